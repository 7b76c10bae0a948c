import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnProcess, spawnTypeScript, type ProcessExit, type SpawnedScript } from '../support/processes.js';

const BOOTSTRAP = 'test/lambda/bootstrap.ts';
const PREFIX = '/2018-06-01/runtime';
const EXTENSION_PREFIX = '/2020-01-01/extension';
/** Lambda gives external extensions 2 s after SHUTDOWN before it kills them. */
const SHUTDOWN_GRACE_MS = 2_000;

/** How one invocation ended, as the Lambda service records it. */
export type InvocationResult =
  | { ok: true; requestId: string; payload: unknown }
  | { ok: false; requestId: string; errorType: string; errorMessage: string };

interface Invocation {
  requestId: string;
  event: unknown;
  timeoutMs: number;
  settle(result: InvocationResult): void;
}

/** An external extension: an executable Lambda starts from `/opt/extensions` before the runtime. */
export interface ExtensionProcessOptions {
  /** The name it must register with (its file name in `/opt/extensions`). */
  name: string;
  command: string;
  args?: string[];
}

/** How an extension ended after SHUTDOWN. */
export interface ExtensionShutdown {
  name: string;
  exit: ProcessExit;
  /** Whether it exited before SHUTDOWN's deadline (otherwise it was killed, as Lambda does). */
  inTime: boolean;
}

/** Options for {@link startExecutionEnvironment}. */
export interface ExecutionEnvironmentOptions {
  /** The handler module, relative to the project root, e.g. `examples/lambda/handler.ts` (a Node function). */
  handlerModule?: string;
  /** Instead of a Node handler: a runtime of its own (a custom runtime, e.g. Python) that polls the Runtime API. */
  runtime?: { command: string; args?: string[] };
  /** External extensions, started and registered before the runtime, fed INVOKE and SHUTDOWN events. */
  extensions?: ExtensionProcessOptions[];
  /** The exported handler. Default `handler`. */
  handlerExport?: string;
  /** The function's environment variables. */
  env: Record<string, string>;
  /** Concurrent invocations the process accepts (Lambda Managed Instances). Default 1. */
  concurrency?: number;
  /**
   * Freeze the process (SIGSTOP) once no invocation is running and thaw it (SIGCONT) for the next,
   * as Lambda does: nothing runs between invocations, timers included. Default false.
   */
  freeze?: boolean;
}

/** One simulated execution environment: a process running the handler, fed by a Runtime API, and its extensions. */
export interface ExecutionEnvironment {
  readonly process: SpawnedScript;
  /** The extensions' processes, by name. */
  readonly extensions: ReadonlyMap<string, SpawnedScript>;
  /**
   * Ends the environment as Lambda does: kills the runtime (an invocation still running fails with
   * `Sandbox.Timedout`), sends SHUTDOWN with `reason` to the extensions and kills those still running
   * after Lambda's 2 s.
   */
  shutdown(reason: 'spindown' | 'timeout' | 'failure'): Promise<ExtensionShutdown[]>;
  /** Invokes the handler with a fresh context whose deadline is `timeoutMs` after the process receives it. */
  invoke(event: unknown, options: { timeoutMs: number }): Promise<InvocationResult>;
  /** Ends the process and the Runtime API server. */
  close(): Promise<void>;
}

/**
 * Starts an execution environment the way Lambda runs one: a Runtime API server
 * (`AWS_LAMBDA_RUNTIME_API`, the 2018-06-01 protocol) and a process that imports the handler module
 * once (the cold start), then loops on `invocation/next`, building each context from the
 * `Lambda-Runtime-Deadline-Ms` header, and posts each result or error back. With `extensions`, the
 * same server speaks the Extensions API (2020-01-01): each extension is started first, must register
 * under its name for INVOKE and SHUTDOWN and ask for its first event before the runtime starts (the
 * init phase); each invocation is sent to the extensions as an INVOKE event when the runtime gets
 * it, the next one waits until every extension asked for its next event, and the environment is
 * frozen only once the runtime and all extensions wait. Each environment gets its own
 * `AWS_SESSION_TOKEN`, as Lambda gives each its own credentials.
 *
 * @example
 * ```ts
 * const environment = await startExecutionEnvironment({ handlerModule: 'examples/lambda/handler.ts', env });
 * const result = await environment.invoke({}, { timeoutMs: 3_000 });
 * await environment.close();
 * ```
 */
export async function startExecutionEnvironment(options: ExecutionEnvironmentOptions): Promise<ExecutionEnvironment> {
  const queue: Invocation[] = [];
  const parked: ServerResponse[] = [];
  const running = new Map<string, Invocation>();
  let frozen = false;
  /** Set once SHUTDOWN starts: Lambda never freezes an environment that is shutting down. */
  let shuttingDown = false;
  let initError: string | undefined;
  let child: SpawnedScript | undefined;
  const extensions = new Map<string, ExtensionState>();
  const sessionToken = options.env.AWS_SESSION_TOKEN ?? randomUUID();

  const extensionsIdle = (): boolean =>
    [...extensions.values()].every((extension) => extension.parked !== undefined && extension.events.length === 0);

  const deliver = (): void => {
    while (queue.length > 0 && parked.length > 0 && extensionsIdle()) {
      const invocation = queue.shift() as Invocation;
      const response = parked.shift() as ServerResponse;
      running.set(invocation.requestId, invocation);
      // The timeout runs from delivery, as on Lambda: a cold start's init does not eat into it.
      const deadlineMs = Date.now() + invocation.timeoutMs;
      for (const extension of extensions.values()) {
        send(extension, {
          eventType: 'INVOKE',
          deadlineMs,
          requestId: invocation.requestId,
          invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:token-refresher-example',
          tracing: { type: 'X-Amzn-Trace-Id', value: `Root=1-${randomUUID().slice(0, 8)}` },
        });
      }
      response.writeHead(200, {
        'content-type': 'application/json',
        'lambda-runtime-aws-request-id': invocation.requestId,
        'lambda-runtime-deadline-ms': String(deadlineMs),
        'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:us-east-1:123456789012:function:token-refresher-example',
        'lambda-runtime-trace-id': `Root=1-${randomUUID().slice(0, 8)}`,
      });
      response.end(JSON.stringify(invocation.event));
    }
  };

  const finish = (requestId: string, result: InvocationResult): void => {
    const invocation = running.get(requestId);
    if (invocation === undefined) return;
    running.delete(requestId);
    invocation.settle(result);
  };

  /** Queues an event for the extension and hands it over if the extension is waiting for one. */
  function send(extension: ExtensionState, event: Record<string, unknown>): void {
    extension.events.push(event);
    const waiting = extension.parked;
    if (waiting === undefined) return;
    extension.parked = undefined;
    waiting
      .writeHead(200, { 'content-type': 'application/json', 'lambda-extension-event-identifier': randomUUID() })
      .end(JSON.stringify(extension.events.shift()));
  }

  const server = createServer((request, response) => {
    void route(request, response);
  });
  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = request.url ?? '';
    if (url.startsWith(EXTENSION_PREFIX)) {
      await routeExtension(request, response, url.slice(EXTENSION_PREFIX.length));
      return;
    }
    if (request.method === 'GET' && url === `${PREFIX}/invocation/next`) {
      parked.push(response);
      deliver();
      freezeWhenIdle();
      return;
    }
    const body = await readBody(request);
    const matched = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    if (request.method === 'POST' && matched !== null) {
      const [, requestId = '', kind] = matched;
      if (kind === 'response') finish(requestId, { ok: true, requestId, payload: body === '' ? null : JSON.parse(body) });
      else {
        const error = JSON.parse(body) as { errorType?: string; errorMessage?: string };
        finish(requestId, { ok: false, requestId, errorType: error.errorType ?? 'Error', errorMessage: error.errorMessage ?? '' });
      }
      response.writeHead(202).end();
      return;
    }
    if (request.method === 'POST' && url === `${PREFIX}/init/error`) {
      initError = body;
      response.writeHead(202).end();
      return;
    }
    response.writeHead(404).end();
  }

  async function routeExtension(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
    const body = await readBody(request);
    const byId = [...extensions.values()].find((extension) => extension.id === request.headers['lambda-extension-identifier']);
    if (request.method === 'POST' && path === '/register') {
      const name = request.headers['lambda-extension-name'];
      const extension = typeof name === 'string' ? extensions.get(name) : undefined;
      const events = (JSON.parse(body === '' ? '{}' : body) as { events?: string[] }).events ?? [];
      if (extension === undefined || extension.id !== undefined) {
        response
          .writeHead(403, { 'content-type': 'application/json' })
          .end(JSON.stringify({ errorType: 'Extension.InvalidName', errorMessage: `No extension file is named ${String(name)}.` }));
        return;
      }
      extension.id = randomUUID();
      extension.registeredEvents = events;
      response
        .writeHead(200, { 'content-type': 'application/json', 'lambda-extension-identifier': extension.id })
        .end(JSON.stringify({ functionName: 'token-refresher-example', functionVersion: '$LATEST', handler: 'index.handler' }));
      return;
    }
    if (byId === undefined) {
      response.writeHead(403).end(JSON.stringify({ errorType: 'Extension.UnknownExtensionIdentifier', errorMessage: 'Register first.' }));
      return;
    }
    if (request.method === 'GET' && path === '/event/next') {
      byId.parked = response;
      byId.ready();
      const next = byId.events.shift();
      if (next !== undefined) {
        byId.parked = undefined;
        response.writeHead(200, { 'content-type': 'application/json', 'lambda-extension-event-identifier': randomUUID() }).end(JSON.stringify(next));
        return;
      }
      deliver();
      freezeWhenIdle();
      return;
    }
    if (request.method === 'POST' && (path === '/init/error' || path === '/exit/error')) {
      initError = `${byId.name}: ${request.headers['lambda-extension-function-error-type']} ${body}`;
      response.writeHead(202).end();
      return;
    }
    response.writeHead(404).end();
  }

  const processes = (): SpawnedScript[] => [
    ...(child === undefined ? [] : [child]),
    ...[...extensions.values()].map((extension) => extension.process),
  ];

  /** Lambda freezes an environment once the runtime and every extension wait for work with none running. */
  function freezeWhenIdle(): void {
    if (
      !options.freeze ||
      shuttingDown ||
      frozen ||
      child === undefined ||
      running.size > 0 ||
      queue.length > 0 ||
      parked.length === 0 ||
      !extensionsIdle()
    )
      return;
    frozen = true;
    for (const process of processes()) process.child.kill('SIGSTOP');
  }

  function thaw(): void {
    if (!frozen) return;
    frozen = false;
    for (const process of processes()) process.child.kill('SIGCONT');
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const env = {
    ...options.env,
    AWS_SESSION_TOKEN: sessionToken,
    AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`,
    AWS_LAMBDA_MAX_CONCURRENCY: String(options.concurrency ?? 1),
    AWS_LAMBDA_FUNCTION_NAME: 'token-refresher-example',
  };
  // Extension init: every extension registers and asks for its first event before the runtime starts.
  await Promise.all(
    (options.extensions ?? []).map(async (extension) => {
      const process = spawnProcess(extension.command, extension.args ?? [], { env }, extension.name);
      let ready: () => void = () => undefined;
      const isReady = new Promise<void>((resolve) => {
        ready = resolve;
      });
      extensions.set(extension.name, { name: extension.name, process, events: [], ready, registeredEvents: [] });
      await Promise.race([
        isReady,
        process.exited.then((exit) => {
          throw new Error(
            `The extension ${extension.name} exited during init (${JSON.stringify(exit)}). ${initError ?? ''} stderr:\n${process.stderr()}`,
          );
        }),
      ]);
    }),
  );
  if (options.runtime === undefined && options.handlerModule === undefined) throw new Error('Give handlerModule or runtime.');
  child =
    options.runtime === undefined
      ? spawnTypeScript(BOOTSTRAP, [options.handlerModule ?? '', options.handlerExport ?? 'handler'], { env })
      : spawnProcess(options.runtime.command, options.runtime.args ?? [], { env });
  const spawned = child;
  void spawned.exited.then(({ code, signal }) => {
    for (const invocation of [...queue.splice(0), ...running.values()]) {
      invocation.settle({
        ok: false,
        requestId: invocation.requestId,
        errorType: 'Runtime.ExitError',
        errorMessage: `The environment exited (code ${code}, signal ${signal}). ${initError ?? ''} stderr:\n${spawned.stderr()}`,
      });
    }
    running.clear();
  });

  const closeServer = (): void => {
    for (const response of parked.splice(0)) response.destroy();
    server.closeAllConnections();
    server.close();
  };

  return {
    process: spawned,
    extensions: new Map([...extensions].map(([name, extension]) => [name, extension.process])),
    invoke(event, { timeoutMs }) {
      return new Promise<InvocationResult>((resolve) => {
        queue.push({ requestId: randomUUID(), event, timeoutMs, settle: resolve });
        thaw();
        deliver();
      });
    },
    async shutdown(reason) {
      // Without the flag, a request that a thawed process sends while the runtime is being killed
      // would freeze the environment again, and the stopped extension could never answer SHUTDOWN.
      shuttingDown = true;
      thaw();
      for (const invocation of running.values()) {
        invocation.settle({
          ok: false,
          requestId: invocation.requestId,
          errorType: 'Sandbox.Timedout',
          errorMessage: `The environment shut down (${reason}).`,
        });
      }
      running.clear();
      await spawned.kill('SIGKILL');
      const deadlineMs = Date.now() + SHUTDOWN_GRACE_MS;
      const results = await Promise.all(
        [...extensions.values()].map(async (extension): Promise<ExtensionShutdown> => {
          if (extension.registeredEvents.includes('SHUTDOWN')) send(extension, { eventType: 'SHUTDOWN', shutdownReason: reason, deadlineMs });
          let timer: NodeJS.Timeout | undefined;
          const inTime = await Promise.race([
            extension.process.exited.then(() => true),
            new Promise<false>((resolve) => {
              timer = setTimeout(() => resolve(false), SHUTDOWN_GRACE_MS);
            }),
          ]);
          clearTimeout(timer);
          const exit = await extension.process.kill('SIGKILL');
          return { name: extension.name, exit, inTime };
        }),
      );
      closeServer();
      return results;
    },
    async close() {
      thaw();
      await Promise.all(processes().map((process) => process.kill('SIGKILL')));
      closeServer();
    },
  };
}

/** What the fixture knows of one extension. */
interface ExtensionState {
  name: string;
  process: SpawnedScript;
  id?: string;
  registeredEvents: string[];
  /** Its `event/next` request while it waits for an event. */
  parked?: ServerResponse;
  events: Array<Record<string, unknown>>;
  /** Called on its first `event/next`: its init is done. */
  ready(): void;
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  request.setEncoding('utf8');
  for await (const chunk of request) body += chunk as string;
  return body;
}
