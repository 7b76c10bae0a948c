import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseLock } from '../../src/lock/lease-lock.js';
import type { LockEvent } from '../../src/lock/events.js';
import { ensureLockTable } from '../../src/lock/table.js';
import { leaseOf } from '../support/lease-outcome.js';
import { startLocalDynamoDb, uniqueTableName, type LocalDynamoDb } from '../support/dynamodb.js';
import { spawnTypeScript } from '../support/processes.js';

const SCRIPT = 'test/lock/fixtures/lock-process.ts';
const STRICT = { NODE_OPTIONS: '--unhandled-rejections=strict', AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1' };

let dynamodb: LocalDynamoDb;
beforeAll(async () => {
  dynamodb = await startLocalDynamoDb();
});
afterAll(() => dynamodb.close());

async function table(): Promise<string> {
  const tableName = uniqueTableName();
  await ensureLockTable({ client: dynamodb.client(), tableName });
  return tableName;
}

describe('Class: LeaseLock (real processes)', () => {
  it('lets a process that acquires and releases end on its own, its timers unref’d', async () => {
    const tableName = await table();
    const child = spawnTypeScript(SCRIPT, [dynamodb.endpoint, tableName, 'cycle', 'cycle'], { env: STRICT });
    expect(await child.nextJson()).toMatchObject({ event: 'acquired' });
    expect(await child.nextJson()).toMatchObject({ step: 'acquired', fence: 1 });
    expect(await child.nextJson()).toMatchObject({ event: 'released' });
    expect(await child.nextJson()).toEqual({ step: 'released', result: 'released' });
    expect(await child.exited).toEqual({ code: 0, signal: null });
  });

  it('survives a lock stolen mid-renewal: reports it, keeps running, exits cleanly (no unhandled rejection)', async () => {
    const tableName = await table();
    const child = spawnTypeScript(SCRIPT, [dynamodb.endpoint, tableName, 'stolen', 'hold', '900'], { env: STRICT });
    await child.nextLine((line) => line.includes('"step":"acquired"'));
    await child.nextLine((line) => line.includes('"renewed"'));
    await dynamodb.client().send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: 'stolen' } },
        UpdateExpression: 'SET lockOwner = :thief, lockRvn = :rvn',
        ExpressionAttributeValues: { ':thief': { S: 'thief' }, ':rvn': { S: 'thief-version' } },
      }),
    );
    expect(JSON.parse(await child.nextLine((line) => line.includes('"lost"')))).toEqual({ event: 'lost', reason: 'stolen' });
    expect(JSON.parse(await child.nextLine((line) => line.includes('alive-after-loss')))).toEqual({ step: 'alive-after-loss' });
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(child.stderr()).not.toMatch(/Unhandled|Error/);
  });

  it('takes over from a holder killed with SIGKILL, with a higher fence', async () => {
    const tableName = await table();
    const child = spawnTypeScript(SCRIPT, [dynamodb.endpoint, tableName, 'crash', 'hold', '900'], { env: STRICT });
    const acquired = JSON.parse(await child.nextLine((line) => line.includes('"step":"acquired"'))) as { fence: number; owner: string };
    await child.kill('SIGKILL');
    const events: LockEvent[] = [];
    const lock = new LeaseLock({ client: dynamodb.client(), tableName, leaseMs: 900, onEvent: (event) => events.push(event) });
    const lease = leaseOf(await lock.acquire('crash', { timeoutMs: 30_000 }));
    expect(lease.fence).toBe(acquired.fence + 1);
    expect(events.find((event) => event.type === 'takeover')).toMatchObject({ previousHolder: acquired.owner, mode: 'strict' });
    await lock.close();
  });
});
