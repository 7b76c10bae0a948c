import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockTableError } from '../../src/lock/errors.js';
import { ensureLockTable, verifyLockTable } from '../../src/lock/table.js';
import { ConfigurationError } from '../../src/shared/errors.js';
import { startLocalDynamoDb, uniqueTableName, type LocalDynamoDb } from '../support/dynamodb.js';

let dynamodb: LocalDynamoDb;
beforeAll(async () => {
  dynamodb = await startLocalDynamoDb();
});
afterAll(() => dynamodb.close());

/** A client whose DynamoDB answers are scripted, for the TTL states dynalite cannot produce. */
function scripted(answers: Record<string, (input: Record<string, unknown>) => unknown>): { client: DynamoDBClient; sent: string[] } {
  const sent: string[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const operation = command.constructor.name.replace(/Command$/, '');
      sent.push(operation);
      const answer = answers[operation];
      if (answer === undefined) throw new Error(`unexpected ${operation}`);
      return answer(command.input);
    },
  } as unknown as DynamoDBClient;
  return { client, sent };
}

const LOCK_TABLE = {
  Table: {
    TableStatus: 'ACTIVE',
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
  },
};

describe('Function: ensureLockTable', () => {
  it('creates a missing table, then finds it on the next call; dynalite has no TTL API', async () => {
    const client = dynamodb.client();
    const tableName = uniqueTableName();
    expect(await ensureLockTable({ client, tableName })).toEqual({ created: true, ttl: 'unsupported' });
    expect(await ensureLockTable({ client, tableName })).toEqual({ created: false, ttl: 'unsupported' });
    await verifyLockTable({ client, tableName });
  });

  it('is safe to run concurrently: one creates, the others accept it', async () => {
    const client = dynamodb.client();
    const tableName = uniqueTableName();
    const results = await Promise.all(Array.from({ length: 5 }, () => ensureLockTable({ client, tableName })));
    expect(results.filter((result) => result.created)).toHaveLength(1);
  });

  it.each([
    [
      'another partition key',
      [{ AttributeName: 'id', AttributeType: 'S' }],
      [{ AttributeName: 'id', KeyType: 'HASH' }],
      /partition key is "id", not "pk"/,
    ],
    ['a numeric partition key', [{ AttributeName: 'pk', AttributeType: 'N' }], [{ AttributeName: 'pk', KeyType: 'HASH' }], /has type N, not S/],
    [
      'a sort key',
      [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      /has a sort key "sk"/,
    ],
  ] as const)('refuses an existing table with %s', async (_, definitions, keys, message) => {
    const client = dynamodb.client();
    const tableName = uniqueTableName('wrong');
    await client.send(
      new CreateTableCommand({ TableName: tableName, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [...definitions], KeySchema: [...keys] }),
    );
    await expect(ensureLockTable({ client, tableName })).rejects.toThrow(LockTableError);
    await expect(ensureLockTable({ client, tableName })).rejects.toThrow(message);
    await expect(verifyLockTable({ client, tableName })).rejects.toThrow(message);
  });

  it('rejects an invalid table name before any request', async () => {
    const { client, sent } = scripted({});
    await expect(ensureLockTable({ client, tableName: 'x' })).rejects.toThrow(ConfigurationError);
    await expect(ensureLockTable({ client, tableName: 'no spaces' })).rejects.toThrow(/3-255 letters/);
    expect(sent).toEqual([]);
  });

  it('names the missing table in verifyLockTable', async () => {
    await expect(verifyLockTable({ client: dynamodb.client(), tableName: 'absent-table' })).rejects.toThrow(
      /"absent-table" does not exist: create it with ensureLockTable\(\) or "token-refresher init-table --table absent-table"/,
    );
  });

  it('enables TTL on lockTtl where the service supports it', async () => {
    const { client, sent } = scripted({
      DescribeTable: () => LOCK_TABLE,
      DescribeTimeToLive: () => ({ TimeToLiveDescription: { TimeToLiveStatus: 'DISABLED' } }),
      UpdateTimeToLive: (input) => {
        expect(input).toEqual({ TableName: 'locks', TimeToLiveSpecification: { AttributeName: 'lockTtl', Enabled: true } });
        return {};
      },
    });
    expect(await ensureLockTable({ client, tableName: 'locks' })).toEqual({ created: false, ttl: 'enabled' });
    expect(sent).toEqual(['DescribeTable', 'DescribeTimeToLive', 'UpdateTimeToLive']);
  });

  it('refuses a global table with eventually consistent replicas, and accepts a strongly consistent one', async () => {
    const global = (consistency: string | undefined) =>
      scripted({
        DescribeTable: () => ({
          Table: {
            ...LOCK_TABLE.Table,
            Replicas: [{ RegionName: 'eu-west-1' }],
            ...(consistency === undefined ? {} : { MultiRegionConsistency: consistency }),
          },
        }),
        DescribeTimeToLive: () => ({ TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED', AttributeName: 'lockTtl' } }),
      }).client;
    await expect(verifyLockTable({ client: global(undefined), tableName: 'locks' })).rejects.toThrow(
      /global table with eventually consistent replicas/,
    );
    await expect(ensureLockTable({ client: global('EVENTUAL'), tableName: 'locks' })).rejects.toThrow(LockTableError);
    expect(await ensureLockTable({ client: global('STRONG'), tableName: 'locks' })).toEqual({ created: false, ttl: 'already' });
  });

  it('leaves TTL alone when it is already on the same attribute, and refuses another attribute', async () => {
    const on = (attribute: string) =>
      scripted({
        DescribeTable: () => LOCK_TABLE,
        DescribeTimeToLive: () => ({ TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED', AttributeName: attribute } }),
      }).client;
    expect(await ensureLockTable({ client: on('lockTtl'), tableName: 'locks' })).toEqual({ created: false, ttl: 'already' });
    await expect(ensureLockTable({ client: on('expires'), tableName: 'locks' })).rejects.toThrow(/TTL on attribute "expires", not "lockTtl"/);
  });
});
