import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkerStatus } from './worker.js';

/**
 * Options for {@link startHealthServer}.
 *
 * @example
 * ```ts
 * const options: HealthServerOptions = { status: () => worker.status(), port: 8080, host: '0.0.0.0' };
 * ```
 */
export interface HealthServerOptions {
  /** The worker's current status (see `RefreshWorker.status`). */
  status: () => WorkerStatus;
  /** Port to listen on; 0 takes any free port. */
  port: number;
  /** Interface to bind. Default `127.0.0.1`; use `0.0.0.0` for a container's health probe. */
  host?: string;
}

/**
 * A running health endpoint.
 *
 * @example
 * ```ts
 * console.log(`http://127.0.0.1:${health.port}/health`);
 * await health.close();
 * ```
 */
export interface HealthServer {
  /** The port it listens on (useful with port 0). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /health`: the worker's status as JSON, with HTTP 200 while it holds an unexpired token
 * and 503 otherwise — for a container orchestrator's health probe or a load balancer's check.
 *
 * @example
 * ```ts
 * const health = await startHealthServer({ status: () => worker.status(), port: 8080, host: '0.0.0.0' });
 * // curl localhost:8080/health → {"healthy":true,"state":"waiting","generation":12,…}
 * await health.close();
 * ```
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/health') {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found: try GET /health"}');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const status = options.status();
    response.writeHead(status.healthy ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : JSON.stringify(status));
  });
  server.listen(options.port, options.host ?? '127.0.0.1');
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error as Error))]);
  const { port } = server.address() as AddressInfo;
  return {
    port,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
