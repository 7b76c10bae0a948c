import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnTypeScript, type SpawnedScript } from '../support/processes.js';

const BOOTSTRAP = 'test/lambda/bootstrap.ts';
const PREFIX = '/2018-06-01/runtime';

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

/** Options for {@link startExecutionEnvironment}. */
export interface ExecutionEnvironmentOptions {
  /** The handler module, relative to the project root, e.g. `examples/lambda/handler.ts`. */
  handlerModule: string;
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

/** One simulated execution environment: a Node process running the handler, fed by a Runtime API. */
export interface ExecutionEnvironment {
  readonly process: SpawnedScript;
  /** Invokes the handler with a fresh context whose deadline is `timeoutMs` after the process receives it. */
  invoke(event: unknown, options: { timeoutMs: number }): Promise<InvocationResult>;
  /** Ends the process and the Runtime API server. */
  close(): Promise<void>;
}

/**
 * Starts an execution environment the way Lambda runs one: a Runtime API server
 * (`AWS_LAMBDA_RUNTIME_API`, the 2018-06-01 protocol) and a process that imports the handler module
 * once (the cold start), then loops on `invocation/next`, building each context from the
 * `Lambda-Runtime-Deadline-Ms` header, and posts each result or error back.
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
  let initError: string | undefined;
  let child: SpawnedScript | undefined;

  const deliver = (): void => {
    while (queue.length > 0 && parked.length > 0) {
      const invocation = queue.shift() as Invocation;
      const response = parked.shift() as ServerResponse;
      running.set(invocation.requestId, invocation);
      // The timeout runs from delivery, as on Lambda: a cold start's init does not eat into it.
      const deadlineMs = Date.now() + invocation.timeoutMs;
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

  const server = createServer((request, response) => {
    void route(request, response);
  });
  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = request.url ?? '';
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

  /** Lambda freezes an environment once it waits for work with none running. */
  function freezeWhenIdle(): void {
    if (!options.freeze || frozen || child === undefined || running.size > 0 || queue.length > 0) return;
    frozen = true;
    child.child.kill('SIGSTOP');
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  child = spawnTypeScript(BOOTSTRAP, [options.handlerModule, options.handlerExport ?? 'handler'], {
    env: {
      ...options.env,
      AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`,
      AWS_LAMBDA_MAX_CONCURRENCY: String(options.concurrency ?? 1),
      AWS_LAMBDA_FUNCTION_NAME: 'token-refresher-example',
    },
  });
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

  return {
    process: spawned,
    invoke(event, { timeoutMs }) {
      return new Promise<InvocationResult>((resolve) => {
        queue.push({ requestId: randomUUID(), event, timeoutMs, settle: resolve });
        if (frozen) {
          frozen = false;
          spawned.child.kill('SIGCONT');
        }
        deliver();
      });
    },
    async close() {
      if (frozen) spawned.child.kill('SIGCONT');
      await spawned.kill('SIGKILL');
      for (const response of parked.splice(0)) response.destroy();
      server.closeAllConnections();
      server.close();
    },
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  request.setEncoding('utf8');
  for await (const chunk of request) body += chunk as string;
  return body;
}
