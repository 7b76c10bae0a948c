import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AgentApi, startAgentApiServer, type AgentApiServer, type AgentTokenSource } from '../agent-api/index.js';
import type { LambdaContextLike, LambdaGetTokenOptions, RefresherLogger, TokenResult } from '../lambda/index.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { closeWithin } from '../worker/index.js';
import { ExtensionsApiClient, type ExtensionEvent } from './extensions-api.js';
import { InvocationWindow } from './invocation-window.js';

/**
 * What the extension needs of a `LambdaTokenProvider` (which satisfies it).
 *
 * @example
 * ```ts
 * const provider: ExtensionTokenProvider = new LambdaTokenProvider({ secretId, lockTable, refresh });
 * ```
 */
export interface ExtensionTokenProvider {
  getToken(context: LambdaContextLike, options?: LambdaGetTokenOptions): Promise<TokenResult>;
  invalidate(token: string): boolean;
  close(): Promise<void>;
}

/**
 * What the extension serves, built after it has registered so that a failure becomes Lambda's
 * init error (visible in the function's logs and its failed invocation) rather than a silent exit.
 *
 * @example
 * ```ts
 * const setup = (): ExtensionSetup => ({ secretId, provider, ssrfToken: resolveSsrfToken(process.env), secretsManager });
 * ```
 */
export interface ExtensionSetup {
  secretId: string;
  /** Default `AWSCURRENT`. */
  label?: string;
  provider: ExtensionTokenProvider;
  /** What the function sends in `X-Aws-Parameters-Secrets-Token`: in Lambda, `AWS_SESSION_TOKEN`. */
  ssrfToken: string;
  secretsManager: SecretsManagerClient;
}

/**
 * Options for {@link runLambdaExtension}.
 *
 * @example
 * ```ts
 * await runLambdaExtension({ name: 'token-refresher', runtimeApi: process.env.AWS_LAMBDA_RUNTIME_API!, setup });
 * ```
 */
export interface LambdaExtensionOptions {
  /** The file name of the extension's executable in `/opt/extensions`, which Lambda requires as its name. */
  name: string;
  /** `host:port` of the Runtime and Extensions APIs (`AWS_LAMBDA_RUNTIME_API`). */
  runtimeApi: string;
  setup: () => ExtensionSetup | Promise<ExtensionSetup>;
  /** Default 2773. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** How long requests made during the init phase may take. Default 9 000 (Lambda allows init 10 s). */
  initBudgetMs?: number;
  logger?: RefresherLogger;
  clock?: Clock;
}

/**
 * How the extension ended.
 *
 * @example
 * ```ts
 * const { shutdownReason, closed } = await runLambdaExtension(options);
 * ```
 */
export interface ExtensionExit {
  /** `spindown`, `timeout` or `failure`, as Lambda said. */
  shutdownReason: string;
  /** Whether the lease was released and the server closed before SHUTDOWN's deadline. */
  closed: 'closed' | 'timed-out';
}

const DEFAULT_INIT_BUDGET_MS = 9_000;
/** Kept back from SHUTDOWN's deadline so the process can still exit before Lambda kills it. */
const SHUTDOWN_MARGIN_MS = 100;

/**
 * Runs the Agent API as an external Lambda extension: registers for INVOKE and SHUTDOWN, starts
 * serving `GET /secretsmanager/get` on localhost before it asks for its first event (so the
 * function's init code and first invocation can read), then follows the invocations. Each request
 * is served through `LambdaTokenProvider`, bounded by the deadline of the invocation it belongs to;
 * nothing runs between invocations. On SHUTDOWN it aborts a refresh in flight, releases the lease
 * and closes within SHUTDOWN's deadline.
 *
 * @example
 * ```ts
 * const exit = await runLambdaExtension({
 *   name: 'token-refresher',
 *   runtimeApi: process.env.AWS_LAMBDA_RUNTIME_API!,
 *   setup: () => ({ secretId, provider: new LambdaTokenProvider({ secretId, lockTable, refresh }), ssrfToken, secretsManager }),
 * });
 * ```
 */
export async function runLambdaExtension(options: LambdaExtensionOptions): Promise<ExtensionExit> {
  const clock = options.clock ?? systemClock;
  const window = new InvocationWindow(clock, clock.now() + (options.initBudgetMs ?? DEFAULT_INIT_BUDGET_MS));
  const extensions = new ExtensionsApiClient(options.runtimeApi);
  const id = await extensions.register(options.name);
  let setup: ExtensionSetup;
  let server: AgentApiServer;
  try {
    setup = await options.setup();
    const provider = setup.provider;
    const tokens: AgentTokenSource = {
      getToken: async ({ signal } = {}) => provider.getToken(await window.context(), signal === undefined ? {} : { signal }),
      invalidate: (token) => provider.invalidate(token),
    };
    const api = new AgentApi({
      secrets: [{ secretId: setup.secretId, ...(setup.label === undefined ? {} : { label: setup.label }), tokens }],
      ssrfToken: setup.ssrfToken,
      secretsManager: setup.secretsManager,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      clock,
    });
    server = await startAgentApiServer({
      api,
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.host === undefined ? {} : { host: options.host }),
    });
  } catch (error) {
    await extensions.initError(id, error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
  options.logger?.info('token-refresher extension: serving', { event: 'started', port: server.port });

  let event: ExtensionEvent;
  for (event = await extensions.next(id); event.eventType === 'INVOKE'; event = await extensions.next(id)) {
    window.begin(event.deadlineMs);
  }
  const closed = await closeWithin(
    async () => {
      await setup.provider.close();
      await server.close();
      setup.secretsManager.destroy();
    },
    Math.max(0, event.deadlineMs - clock.now() - SHUTDOWN_MARGIN_MS),
    clock,
  );
  options.logger?.info('token-refresher extension: shut down', { event: 'stopped', shutdownReason: event.shutdownReason, closed });
  return { shutdownReason: event.shutdownReason, closed };
}
