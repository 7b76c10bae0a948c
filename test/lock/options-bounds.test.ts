import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryLockStore } from '../../src/lock/memory-store.js';
import { checkOptions } from '../../src/lock/check-options.js';
import { duration } from '../../src/lock/options.js';
import { systemClock } from '../../src/shared/clock.js';
import { ConfigurationError } from '../../src/shared/errors.js';
import { ManualClock } from '../support/manual-clock.js';

const store = new MemoryLockStore();
const DAY_MS = 24 * 60 * 60 * 1000;

describe('Function: duration', () => {
  it('accepts 1 ms and 24 h, the ends of the range', () => {
    expect(duration('x', 1)).toBe(1);
    expect(duration('x', DAY_MS)).toBe(DAY_MS);
  });

  it.each([
    [0, '0'],
    [DAY_MS + 1, String(DAY_MS + 1)],
    [2.5, '2.5'],
    ['10', '"10"'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
  ])('refuses %o with the range in the message', (value, shown) => {
    expect(() => duration('leaseMs', value)).toThrow(ConfigurationError);
    expect(() => duration('leaseMs', value)).toThrow(`Option "leaseMs" must be a whole number of milliseconds from 1 to ${DAY_MS}; got ${shown}.`);
  });
});

describe('Function: checkOptions (bounds)', () => {
  const client = new DynamoDBClient({ region: 'us-east-1' });
  afterAll(() => client.destroy());

  it('keeps the poll interval between 20 ms and 1 s of a tenth of the lease', () => {
    expect(checkOptions({ store, leaseMs: 5_000 }).pollMs).toBe(500);
    expect(checkOptions({ store, leaseMs: 5_009 }).pollMs).toBe(500);
    expect(checkOptions({ store, leaseMs: 60_000 }).pollMs).toBe(1_000);
    expect(checkOptions({ store, leaseMs: 250 }).pollMs).toBe(25);
    expect(checkOptions({ store, leaseMs: 30 }).pollMs).toBe(20);
    expect(checkOptions({ store, pollMs: 7 }).pollMs).toBe(7);
  });

  it('rounds the derived heartbeat and danger window down, never below 1 ms', () => {
    expect(checkOptions({ store, leaseMs: 10 }).timing()).toEqual({ leaseMs: 10, heartbeatMs: 3, dangerMs: 2 });
    expect(checkOptions({ store, leaseMs: 4, heartbeatMs: 1 }).timing()).toEqual({ leaseMs: 4, heartbeatMs: 1, dangerMs: 1 });
    expect(checkOptions({ store, leaseMs: 1_000, heartbeatMs: false, dangerMs: 999 }).timing()).toEqual({
      leaseMs: 1_000,
      heartbeatMs: false,
      dangerMs: 999,
    });
  });

  it('applies an explicit heartbeat and danger window to a per-call lease', () => {
    const timing = checkOptions({ store, leaseMs: 1_000, heartbeatMs: 300, dangerMs: 100 }).timing;
    expect(timing(5_000)).toEqual({ leaseMs: 5_000, heartbeatMs: 300, dangerMs: 100 });
    expect(() => timing(600)).toThrow('leaseMs (600) must be more than twice heartbeatMs (300)');
  });

  it('accepts each timing rule exactly at its edge and refuses one ms past it', () => {
    expect(checkOptions({ store, leaseMs: 1_001, heartbeatMs: 500, dangerMs: 100 }).timing().heartbeatMs).toBe(500);
    expect(() => checkOptions({ store, leaseMs: 1_000, heartbeatMs: 500, dangerMs: 100 })).toThrow(/must be more than twice heartbeatMs/);
    expect(checkOptions({ store, leaseMs: 1_000, heartbeatMs: false, dangerMs: 999 }).timing().dangerMs).toBe(999);
    expect(() => checkOptions({ store, leaseMs: 1_000, heartbeatMs: false, dangerMs: 1_000 })).toThrow(
      'dangerMs (1000) must be less than leaseMs (1000): lower dangerMs (default leaseMs / 5).',
    );
    expect(checkOptions({ store, leaseMs: 1_000, heartbeatMs: 400, dangerMs: 599 }).timing().dangerMs).toBe(599);
    expect(() => checkOptions({ store, leaseMs: 1_000, heartbeatMs: 400, dangerMs: 600 })).toThrow(ConfigurationError);
  });

  it('checks heartbeatMs and dangerMs as durations even when a false heartbeat or derived values would pass', () => {
    expect(() => checkOptions({ store, heartbeatMs: 0 })).toThrow('Option "heartbeatMs" must be a whole number of milliseconds');
    expect(() => checkOptions({ store, dangerMs: 0.5 })).toThrow('Option "dangerMs" must be a whole number of milliseconds');
  });

  it('accepts the smallest clock skew, TTL, capacity and the longest owner id', () => {
    const options = checkOptions({ store, maxClockSkewMs: 0, ttlSeconds: 1, observationCapacity: 1, ownerId: 'o'.repeat(256) });
    expect(options.maxClockSkewMs).toBe(0);
    expect(options.ttlSeconds).toBe(1);
    expect(options.observationCapacity).toBe(1);
    expect(options.ownerId).toBe('o'.repeat(256));
    expect(checkOptions({ store, ttlSeconds: false }).ttlSeconds).toBe(false);
    expect(checkOptions({ store }).observationCapacity).toBe(1_000);
  });

  it.each([
    [
      { maxClockSkewMs: Number.POSITIVE_INFINITY },
      'Option "maxClockSkewMs" must be a number of milliseconds, at least 0 (omit it for strict, clock-free takeover); got Infinity.',
    ],
    [
      { maxClockSkewMs: -0.001 },
      'Option "maxClockSkewMs" must be a number of milliseconds, at least 0 (omit it for strict, clock-free takeover); got -0.001.',
    ],
    [{ ttlSeconds: 0 }, 'Option "ttlSeconds" must be a whole number of seconds, at least 1 (or false for none); got 0.'],
    [{ ttlSeconds: true as never }, 'Option "ttlSeconds" must be a whole number of seconds, at least 1 (or false for none); got true.'],
    [{ ownerId: 'o'.repeat(257) }, `Option "ownerId" must be a string of 1 to 256 characters; got "${'o'.repeat(257)}".`],
    [{ ownerId: 7 as never }, 'Option "ownerId" must be a string of 1 to 256 characters; got 7.'],
    [{ random: 0.5 as never }, 'Option "random" must be a function; got 0.5.'],
    [{ onEvent: 'log' as never }, 'Option "onEvent" must be a function; got "log".'],
    [{ observationCapacity: 1.5 }, 'Option "observationCapacity" must be a whole number, at least 1; got 1.5.'],
    [{ observationCapacity: -1 }, 'Option "observationCapacity" must be a whole number, at least 1; got -1.'],
  ])('refuses %o with its own message', (options, message) => {
    expect(() => checkOptions({ store, ...options })).toThrow(ConfigurationError);
    expect(() => checkOptions({ store, ...options })).toThrow(message);
  });

  it('passes the clock, random source and event sink through, defaulting to the system clock and Math.random', () => {
    const clock = new ManualClock();
    const random = () => 0.25;
    const onEvent = () => {};
    const options = checkOptions({ store, clock, random, onEvent, maxClockSkewMs: 250 });
    expect(options.clock).toBe(clock);
    expect(options.random).toBe(random);
    expect(options.onEvent).toBe(onEvent);
    expect(options.maxClockSkewMs).toBe(250);
    const defaults = checkOptions({ store });
    expect(defaults.clock).toBe(systemClock);
    expect(defaults.random).toBe(Math.random);
    expect(defaults.onEvent).toBeUndefined();
    expect(defaults.defaultLeaseMs).toBe(10_000);
    expect(checkOptions({ store, leaseMs: 2_000 }).defaultLeaseMs).toBe(2_000);
  });

  it('refuses a client without send and table names outside 3 to 255 allowed characters', () => {
    expect(() => checkOptions({ client: {} as never, tableName: 'locks' })).toThrow(
      'LeaseLock needs client (a DynamoDBClient) and tableName, or a store.',
    );
    expect(checkOptions({ client, tableName: 'a.b' }).storeSource).toEqual({ kind: 'table', client, tableName: 'a.b' });
    expect(checkOptions({ client, tableName: `A_z-9${'x'.repeat(250)}` }).storeSource.kind).toBe('table');
    expect(() => checkOptions({ client, tableName: 'ab' })).toThrow(
      'tableName must be a DynamoDB table name (3-255 letters, digits, "_", "." or "-"), got "ab".',
    );
    expect(() => checkOptions({ client, tableName: 'x'.repeat(256) })).toThrow(/tableName must be a DynamoDB table name/);
    expect(() => checkOptions({ client, tableName: 'ok-name!' })).toThrow(/tableName must be a DynamoDB table name/);
    expect(() => checkOptions({ client, tableName: 'bad\nname' })).toThrow(/tableName must be a DynamoDB table name/);
    expect(() => checkOptions({ store, client })).toThrow('Give either store, or client and tableName, not both.');
    expect(() => checkOptions({ store, tableName: 'locks' })).toThrow('Give either store, or client and tableName, not both.');
    expect(() => checkOptions(null as never)).toThrow('LeaseLock needs an options object: { client, tableName } or { store }.');
    expect(() => checkOptions('store' as never)).toThrow(ConfigurationError);
  });
});
