import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { LeaseLock } from '../../src/lock/lease-lock.js';
import { MemoryLockStore } from '../../src/lock/memory-store.js';
import { checkOptions } from '../../src/lock/check-options.js';
import { ConfigurationError } from '../../src/shared/errors.js';

const store = new MemoryLockStore();

describe('Function: checkOptions', () => {
  it('derives heartbeat, danger and poll defaults from the lease', () => {
    const options = checkOptions({ store });
    expect(options.timing()).toEqual({ leaseMs: 10_000, heartbeatMs: 3_333, dangerMs: 2_000 });
    expect(options.pollMs).toBe(1_000);
    expect(options.ttlSeconds).toBe(false);
    expect(options.maxClockSkewMs).toBeUndefined();
    expect(options.ownerId).toMatch(/^.+:\d+:[0-9a-f]{12}$/);
    expect(checkOptions({ store, leaseMs: 100 }).pollMs).toBe(20);
  });

  it('scales the defaults with a per-acquire lease', () => {
    expect(checkOptions({ store }).timing(30_000)).toEqual({ leaseMs: 30_000, heartbeatMs: 10_000, dangerMs: 6_000 });
  });

  it.each([
    [{ leaseMs: 1_000, heartbeatMs: 500 }, /leaseMs \(1000\) must be more than twice heartbeatMs \(500\)/],
    [{ leaseMs: 1_000, heartbeatMs: 2_000 }, /more than twice heartbeatMs/],
    [{ leaseMs: 1_000, dangerMs: 1_000 }, /dangerMs \(1000\) must be less than leaseMs/],
    [{ leaseMs: 1_000, heartbeatMs: 400, dangerMs: 600 }, /heartbeatMs \(400\) \+ dangerMs \(600\) must be less than leaseMs/],
    [{ leaseMs: 0 }, /"leaseMs" must be a whole number of milliseconds/],
    [{ leaseMs: 1.5 }, /"leaseMs" must be a whole number/],
    [{ leaseMs: Number.NaN }, /"leaseMs" must be a whole number/],
    [{ heartbeatMs: -1 }, /"heartbeatMs" must be a whole number/],
    [{ pollMs: 0 }, /"pollMs" must be a whole number/],
    [{ maxClockSkewMs: -5 }, /"maxClockSkewMs" must be a number of milliseconds, at least 0/],
    [{ ttlSeconds: 0.5 }, /"ttlSeconds" must be a whole number of seconds/],
    [{ ownerId: '' }, /"ownerId" must be a string of 1 to 256/],
    [{ observationCapacity: 0 }, /"observationCapacity" must be a whole number/],
  ])('rejects %o with a message naming what to change', (options, message) => {
    expect(() => checkOptions({ store, ...options })).toThrow(ConfigurationError);
    expect(() => checkOptions({ store, ...options })).toThrow(message);
  });

  it('accepts heartbeatMs: false, keeping the danger window inside the lease', () => {
    expect(checkOptions({ store, leaseMs: 1_000, heartbeatMs: false }).timing()).toEqual({ leaseMs: 1_000, heartbeatMs: false, dangerMs: 200 });
  });

  it('requires either a store or a client with a valid table name', () => {
    const client = new DynamoDBClient({ region: 'us-east-1' });
    expect(checkOptions({ client, tableName: 'locks' }).storeSource).toEqual({ kind: 'table', client, tableName: 'locks' });
    expect(checkOptions({ store }).storeSource).toEqual({ kind: 'store', store });
    expect(() => checkOptions({})).toThrow(/needs client \(a DynamoDBClient\) and tableName, or a store/);
    expect(() => checkOptions({ client })).toThrow(/tableName must be a DynamoDB table name/);
    expect(() => checkOptions({ client, tableName: 'a b' })).toThrow(/tableName must be a DynamoDB table name/);
    expect(() => checkOptions({ client, tableName: 'locks', store })).toThrow(/either store, or client and tableName/);
    expect(() => checkOptions(undefined as never)).toThrow(/needs an options object/);
    client.destroy();
  });
});

describe('Class: LeaseLock (argument validation)', () => {
  const lock = new LeaseLock({ store, leaseMs: 1_000 });

  it('rejects empty and oversized lock names before any request', async () => {
    await expect(lock.tryAcquire('')).rejects.toThrow(/Lock name must be a non-empty string/);
    await expect(lock.tryAcquire(42 as never)).rejects.toThrow(/Lock name must be a non-empty string/);
    await expect(lock.tryAcquire('é'.repeat(1_025))).rejects.toThrow(/2050 bytes long in UTF-8; DynamoDB allows at most 2048/);
    await expect(lock.inspect('')).rejects.toThrow(ConfigurationError);
    await expect(lock.acquire('x'.repeat(3_000))).rejects.toThrow(ConfigurationError);
  });

  it('rejects a per-call lease that does not fit the heartbeat', async () => {
    const fixed = new LeaseLock({ store, leaseMs: 3_000, heartbeatMs: 1_000 });
    await expect(fixed.tryAcquire('job', { leaseMs: 1_500 })).rejects.toThrow(/more than twice heartbeatMs \(1000\)/);
  });

  it('rejects invalid acquire options', async () => {
    await expect(lock.acquire('job', { timeoutMs: -1 })).rejects.toThrow(/timeoutMs must be a whole number of milliseconds >= 1, or Infinity/);
    await expect(lock.acquire('job', { timeoutMs: 0 })).rejects.toThrow(/use tryAcquire\(\) for a single attempt/);
    await expect(lock.acquire('job', { timeoutMs: 0.5 })).rejects.toThrow(/timeoutMs must be a whole number/);
    await expect(lock.acquire('job', { stopWhen: 'yes' as never })).rejects.toThrow(/stopWhen must be a function/);
    await expect(lock.withLock('job', undefined as never)).rejects.toThrow(/withLock needs a function/);
  });
});
