import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const require = createRequire(import.meta.url);
// dynalite ships CommonJS without type declarations; this is the part of its API we use.
const dynalite = require('dynalite') as (options: {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

/** Options for {@link startDynalite}. */
export interface DynaliteOptions {
  /** Interface to bind. Default `127.0.0.1`: the local stack never listens beyond loopback. */
  host?: string;
  /** Port to bind; `0` (the default) takes any free port. */
  port?: number;
  /** A LevelDB folder for durable state; in memory when omitted. */
  path?: string;
}

/** A running dynalite server. */
export interface RunningDynalite {
  /** `http://host:port`, for the SDK's `endpoint` or `AWS_ENDPOINT_URL_DYNAMODB`. */
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts dynalite, a DynamoDB implementation on LevelDB, on loopback. Tables become ACTIVE at once
 * (dynalite's default keeps them CREATING for half a second, which only slows tests down).
 *
 * @example
 * ```ts
 * const dynamodb = await startDynalite();
 * const client = new DynamoDBClient({ endpoint: dynamodb.endpoint, region: 'us-east-1' });
 * await dynamodb.close();
 * ```
 */
export async function startDynalite(options: DynaliteOptions = {}): Promise<RunningDynalite> {
  const host = options.host ?? '127.0.0.1';
  const server = dynalite({
    ...(options.path === undefined ? {} : { path: options.path }),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://${host}:${port}`,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((error) => (error ? reject(error) : resolve()));
      });
      return closing;
    },
  };
}
