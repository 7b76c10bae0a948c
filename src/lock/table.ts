import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { ConfigurationError } from '../shared/errors.js';
import { LockTableError } from './errors.js';
import { PARTITION_KEY, TTL_ATTRIBUTE } from './record.js';

/** Options for {@link ensureLockTable}. */
export interface EnsureLockTableOptions {
  client: DynamoDBClient;
  tableName: string;
  /** The TTL attribute to enable. Default `lockTtl`, the one `LeaseLock` writes with `ttlSeconds`. */
  ttlAttribute?: string;
  /** How long to wait for a new table to become ACTIVE. Default 120 s. */
  maxWaitSeconds?: number;
}

/** What {@link ensureLockTable} did. */
export interface EnsureLockTableResult {
  /** Whether the table was created now (false: it existed and fits). */
  created: boolean;
  /** `enabled`: turned on now; `already`: it was on; `unsupported`: the service has no TTL API (dynalite). */
  ttl: 'enabled' | 'already' | 'unsupported';
}

/**
 * Creates the lock table if it is missing (on-demand billing, string partition key `pk`), checks the
 * key schema of an existing one, and enables TTL on `lockTtl` where the service supports it.
 * Safe to run repeatedly and concurrently.
 *
 * @example
 * ```ts
 * const { created, ttl } = await ensureLockTable({ client: new DynamoDBClient({}), tableName: 'token-locks' });
 * ```
 */
export async function ensureLockTable(options: EnsureLockTableOptions): Promise<EnsureLockTableResult> {
  const { client, tableName } = options;
  const ttlAttribute = options.ttlAttribute ?? TTL_ATTRIBUTE;
  validateTableName(tableName);
  if (typeof ttlAttribute !== 'string' || !/^[A-Za-z0-9_.-]{1,255}$/.test(ttlAttribute)) {
    throw new ConfigurationError(`ttlAttribute must be an attribute name (1-255 letters, digits, "_", "." or "-").`);
  }
  let created = false;
  let description = await describe(client, tableName);
  if (description === undefined) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: PARTITION_KEY, AttributeType: 'S' }],
          KeySchema: [{ AttributeName: PARTITION_KEY, KeyType: 'HASH' }],
        }),
      );
      created = true;
    } catch (error) {
      // Someone else created it between our describe and create: check theirs below.
      if ((error as Error).name !== 'ResourceInUseException') throw error;
    }
    await waitUntilTableExists({ client, maxWaitTime: options.maxWaitSeconds ?? 120, minDelay: 1, maxDelay: 5 }, { TableName: tableName });
    description = await describe(client, tableName);
  }
  checkKeySchema(tableName, description);
  return { created, ttl: await enableTtl(client, tableName, ttlAttribute) };
}

/**
 * Checks that an existing table can hold locks: a string partition key `pk`, no sort key, and no
 * eventually consistent replicas in other Regions (a global table in multi-Region eventual
 * consistency mode lets two Regions both win a conditional write; strong consistency is accepted).
 * Throws {@link LockTableError} saying what to change.
 *
 * @example
 * ```ts
 * await verifyLockTable({ client, tableName: 'token-locks' });
 * ```
 */
export async function verifyLockTable(options: { client: DynamoDBClient; tableName: string }): Promise<void> {
  validateTableName(options.tableName);
  const description = await describe(options.client, options.tableName);
  if (description === undefined) {
    throw new LockTableError(
      options.tableName,
      `DynamoDB table "${options.tableName}" does not exist: create it with ensureLockTable() or "token-refresher init-table --table ${options.tableName}".`,
    );
  }
  checkKeySchema(options.tableName, description);
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

function checkKeySchema(tableName: string, description: TableDescription | undefined): void {
  const keys = description?.KeySchema ?? [];
  const hash = keys.find((key) => key.KeyType === 'HASH');
  const type = description?.AttributeDefinitions?.find((definition) => definition.AttributeName === hash?.AttributeName)?.AttributeType;
  const problems: string[] = [];
  if (hash?.AttributeName !== PARTITION_KEY) problems.push(`its partition key is "${hash?.AttributeName ?? 'missing'}", not "${PARTITION_KEY}"`);
  else if (type !== 'S') problems.push(`its partition key "${PARTITION_KEY}" has type ${type ?? 'unknown'}, not S (string)`);
  const range = keys.find((key) => key.KeyType === 'RANGE');
  if (range !== undefined) problems.push(`it has a sort key "${range.AttributeName}"`);
  if ((description?.Replicas?.length ?? 0) > 0 && description?.MultiRegionConsistency !== 'STRONG') {
    problems.push(
      'it is a global table with eventually consistent replicas (conditional writes in two Regions can both succeed, so two holders could coexist)',
    );
  }
  if (problems.length > 0) {
    throw new LockTableError(
      tableName,
      `DynamoDB table "${tableName}" cannot hold locks: ${problems.join(' and ')}. ` +
        `Use a single-Region table (or a multi-Region strongly consistent one) with only a string partition key "${PARTITION_KEY}" ` +
        `(ensureLockTable() creates one under a new name).`,
    );
  }
}

async function enableTtl(client: DynamoDBClient, tableName: string, attribute: string): Promise<EnsureLockTableResult['ttl']> {
  try {
    const current = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const status = current.TimeToLiveDescription?.TimeToLiveStatus;
    if ((status === 'ENABLED' || status === 'ENABLING') && current.TimeToLiveDescription?.AttributeName === attribute) return 'already';
    if (status === 'ENABLED' || status === 'ENABLING') {
      throw new LockTableError(
        tableName,
        `DynamoDB table "${tableName}" has TTL on attribute "${current.TimeToLiveDescription?.AttributeName}", not "${attribute}": ` +
          `a table has one TTL attribute; pass ttlAttribute to match it, or keep LeaseLock's ttlSeconds off.`,
      );
    }
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: attribute, Enabled: true } }));
    return 'enabled';
  } catch (error) {
    if (isUnsupported(error)) return 'unsupported';
    throw error;
  }
}

function isUnsupported(error: unknown): boolean {
  const name = (error as Error | undefined)?.name ?? '';
  return name === 'UnknownOperationException' || name === 'UnrecognizedClientException';
}

function validateTableName(tableName: unknown): void {
  if (typeof tableName !== 'string' || !/^[A-Za-z0-9_.-]{3,255}$/.test(tableName)) {
    throw new ConfigurationError(
      `tableName must be a DynamoDB table name (3-255 letters, digits, "_", "." or "-"), got ${JSON.stringify(tableName)}.`,
    );
  }
}
