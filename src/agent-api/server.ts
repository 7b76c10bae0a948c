import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentApi } from './agent-api.js';
import { assertLoopbackHost } from './loopback.js';

/**
 * The Secrets Manager Agent's port, and the Parameters and Secrets Lambda Extension's: clients
 * written for them call `http://localhost:2773`.
 *
 * @example
 * ```ts
 * await startAgentApiServer({ api, port: DEFAULT_AGENT_PORT });
 * ```
 */
export const DEFAULT_AGENT_PORT = 2773;

/**
 * Options for {@link startAgentApiServer}.
 *
 * @example
 * ```ts
 * const options: AgentApiServerOptions = { api, port: 2773 };
 * ```
 */
export interface AgentApiServerOptions {
  api: AgentApi;
  /** Default 2773; 0 takes any free port. */
  port?: number;
  /** A loopback interface (anything else is refused). Default `127.0.0.1`. */
  host?: string;
}

/**
 * A running Agent API.
 *
 * @example
 * ```ts
 * console.log(`http://127.0.0.1:${server.port}/secretsmanager/get?secretId=…`);
 * await server.close();
 * ```
 */
export interface AgentApiServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Request bodies are never read; a client that sends a large one is cut off. */
const MAX_HEADER_BYTES = 16 * 1024;

/**
 * Serves the {@link AgentApi} over HTTP on a loopback interface only, as the Agent does: processes on
 * this host (the function beside a Lambda extension, the other containers of a task or pod) reach
 * it on localhost; nothing else can connect.
 *
 * @example
 * ```ts
 * const server = await startAgentApiServer({ api: new AgentApi({ secrets, ssrfToken, secretsManager }) });
 * // curl -H "X-Aws-Parameters-Secrets-Token: $AWS_TOKEN" 'http://localhost:2773/secretsmanager/get?secretId=prod/api-token'
 * await server.close();
 * ```
 */
export async function startAgentApiServer(options: AgentApiServerOptions): Promise<AgentApiServer> {
  const host = options.host ?? '127.0.0.1';
  assertLoopbackHost(host);
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (request, response) => {
    const gone = new AbortController();
    response.once('close', () => gone.abort());
    void options.api
      .answer({
        method: request.method ?? 'GET',
        url: request.url ?? '/',
        headers: request.headers,
        remoteAddress: request.socket.remoteAddress,
        signal: gone.signal,
      })
      .then((answer) => {
        response.writeHead(answer.status, {
          'cache-control': 'no-store',
          ...(answer.contentType === undefined ? {} : { 'content-type': answer.contentType }),
        });
        response.end(answer.body);
      });
    request.resume();
  });
  server.listen(options.port ?? DEFAULT_AGENT_PORT, host);
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error as Error))]);
  const address = server.address() as AddressInfo;
  return {
    host: address.address,
    port: address.port,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
