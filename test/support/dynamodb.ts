import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynalite, type RunningDynalite } from '../../src/local/dynamodb/dynalite.js';

/** Dummy credentials and the Region the SDK needs to talk to a local server. */
export const LOCAL_AWS = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } as const;

/** A dynalite server on loopback and a factory of SDK clients pointed at it. */
export interface LocalDynamoDb {
  server: RunningDynalite;
  endpoint: string;
  /** A new client (each with its own middleware stack, so faults stay per client). */
  client(options?: { maxAttempts?: number }): DynamoDBClient;
  close(): Promise<void>;
}

/**
 * Starts dynalite for one test file.
 *
 * @example
 * ```ts
 * let dynamodb: LocalDynamoDb;
 * beforeAll(async () => { dynamodb = await startLocalDynamoDb(); });
 * afterAll(() => dynamodb.close());
 * ```
 */
export async function startLocalDynamoDb(): Promise<LocalDynamoDb> {
  const server = await startDynalite();
  const clients: DynamoDBClient[] = [];
  return {
    server,
    endpoint: server.endpoint,
    client(options = {}) {
      const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: server.endpoint, ...options });
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.destroy();
      await server.close();
    },
  };
}

let tableCounter = 0;

/** A fresh table name per test, so that tests never see each other's items. */
export function uniqueTableName(prefix = 'locks'): string {
  tableCounter += 1;
  return `${prefix}-${process.pid}-${tableCounter}`;
}
