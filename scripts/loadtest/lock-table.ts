import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureLockTable } from '../../src/lock/index.js';

/** Makes sure the locked strategy's lease table exists (created on demand, as `init-table` would). */
export async function ensureLoadTestLockTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await ensureLockTable({ client, tableName });
}
