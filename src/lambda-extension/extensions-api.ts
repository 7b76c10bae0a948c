import { request } from 'node:http';
import { TokenRefresherError } from '../shared/errors.js';

const PREFIX = '/2020-01-01/extension';

/**
 * An event of the Lambda Extensions API (`GET /2020-01-01/extension/event/next`).
 *
 * @example
 * ```ts
 * const event: ExtensionEvent = { eventType: 'INVOKE', deadlineMs: Date.now() + 3_000, requestId: '…' };
 * ```
 */
export type ExtensionEvent =
  | { eventType: 'INVOKE'; deadlineMs: number; requestId: string }
  | { eventType: 'SHUTDOWN'; deadlineMs: number; shutdownReason: string };

/** The Extensions API refused a call or answered something this extension cannot read. */
export class ExtensionsApiError extends TokenRefresherError {}

/**
 * A client of the Lambda Extensions API at `AWS_LAMBDA_RUNTIME_API`, on `node:http` rather than
 * `fetch`: `event/next` blocks for as long as the environment is idle (and frozen), and must never
 * be cut off by a client-side timeout.
 *
 * @example
 * ```ts
 * const api = new ExtensionsApiClient(process.env.AWS_LAMBDA_RUNTIME_API!);
 * const id = await api.register('token-refresher');
 * const event = await api.next(id);
 * ```
 */
export class ExtensionsApiClient {
  readonly #host: string;
  readonly #port: number;

  constructor(runtimeApi: string) {
    const url = new URL(`http://${runtimeApi}`);
    this.#host = url.hostname;
    this.#port = Number(url.port || 80);
  }

  /** Registers for INVOKE and SHUTDOWN under `name` (the file name in `/opt/extensions`); returns the extension id. */
  async register(name: string): Promise<string> {
    const { status, headers, body } = await this.#call('POST', '/register', { 'Lambda-Extension-Name': name }, { events: ['INVOKE', 'SHUTDOWN'] });
    const id = headers['lambda-extension-identifier'];
    if (status !== 200 || typeof id !== 'string')
      throw new ExtensionsApiError(`The Extensions API refused to register "${name}" (HTTP ${status}): ${body}`);
    return id;
  }

  /** Waits for the next event; calling it also tells Lambda this extension is done with the last one. */
  async next(id: string): Promise<ExtensionEvent> {
    const { status, body } = await this.#call('GET', '/event/next', { 'Lambda-Extension-Identifier': id });
    if (status !== 200) throw new ExtensionsApiError(`The Extensions API answered event/next with HTTP ${status}: ${body}`);
    const event = JSON.parse(body) as Partial<ExtensionEvent>;
    if ((event.eventType !== 'INVOKE' && event.eventType !== 'SHUTDOWN') || typeof event.deadlineMs !== 'number') {
      throw new ExtensionsApiError(`The Extensions API sent an event this extension cannot read: ${body.slice(0, 200)}`);
    }
    return event as ExtensionEvent;
  }

  /** Reports a failed initialisation (Lambda then fails the init phase with `errorType`). */
  async initError(id: string, error: Error): Promise<void> {
    await this.#call(
      'POST',
      '/init/error',
      { 'Lambda-Extension-Identifier': id, 'Lambda-Extension-Function-Error-Type': `Extension.${error.name}` },
      { errorType: `Extension.${error.name}`, errorMessage: error.message },
    );
  }

  #call(
    method: string,
    path: string,
    headers: Record<string, string>,
    json?: unknown,
  ): Promise<{ status: number; headers: NodeJS.Dict<string | string[]>; body: string }> {
    const payload = json === undefined ? undefined : JSON.stringify(json);
    return new Promise((resolve, reject) => {
      const sent = request(
        {
          host: this.#host,
          port: this.#port,
          method,
          path: `${PREFIX}${path}`,
          headers: { ...headers, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
        },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            body += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
          response.on('error', reject);
        },
      );
      sent.on('error', (error) =>
        reject(new ExtensionsApiError(`The Extensions API at ${this.#host}:${this.#port} is unreachable: ${error.message}`, { cause: error })),
      );
      sent.end(payload);
    });
  }
}
