import { describe, expect, it } from 'vitest';
import { LockUnavailableError } from '../../src/lock/errors.js';
import { leaseOf, refusalOf } from '../support/lease-outcome.js';
import { MultiRegionTable, type Region } from '../support/multi-region-table.js';
import { LockWorld } from './world.js';

const LOCK = 'global';
const LEASE = { leaseMs: 1_000, heartbeatMs: 300, pollMs: 100 } as const;

/** Three processes, one per Region, each 10 ms (one way) from its own Region's endpoint. */
function globalWorld(conflictWindowMs: number, injectConflict?: (region: Region) => boolean) {
  const world = new LockWorld();
  const global = new MultiRegionTable({ time: world.time, table: world.table, conflictWindowMs, ...(injectConflict ? { injectConflict } : {}) });
  const [east, east2, west] = (['us-east-1', 'us-east-2', 'us-west-2'] as const).map((region) => {
    const process = world.process(region, LEASE, {}, global.endpoint(region));
    process.network.latency = () => 10;
    return process;
  }) as [ReturnType<LockWorld['process']>, ReturnType<LockWorld['process']>, ReturnType<LockWorld['process']>];
  return { world, global, east, east2, west };
}

describe('Model: MultiRegionTable (an MRSC global table for the lock)', () => {
  it('evaluates a write through any Region against the latest item, and reads it back from every Region', async () => {
    const { world, east, west } = globalWorld(0);
    const lease = leaseOf(await world.time.until(east.lock.tryAcquire(LOCK)));
    expect(refusalOf(await world.time.until(west.lock.tryAcquire(LOCK))).holder).toBe('us-east-1');
    expect((await world.time.until(west.lock.inspect(LOCK)))?.fence).toBe(lease.fence);
  });

  it('fails a write that meets another Region’s write within the window as a conflict, not applied; the lock resolves it with a read', async () => {
    const { world, global, east, east2 } = globalWorld(50);
    // Both requests leave at once; east's lands first (same latency, earlier timer), east2's 0 ms later: a conflict.
    const [first, second] = await world.time.until(Promise.all([east.lock.tryAcquire(LOCK), east2.lock.tryAcquire(LOCK)]));
    expect(leaseOf(first).fence).toBe(1);
    // The conflicted write was not applied, and the read that settles it shows the other Region's holder.
    expect(refusalOf(second).holder).toBe('us-east-1');
    expect(global.counts.windowConflicts).toBe(1);
    expect(east2.writes).toEqual([]);
    expect(world.record(LOCK)).toMatchObject({ owner: 'us-east-1', fence: 1 });
  });

  it('lets writes through one Region follow each other without conflicts', async () => {
    const { world, global, east } = globalWorld(1_000);
    const lease = leaseOf(await world.time.until(east.lock.tryAcquire(LOCK)));
    await world.time.until(lease.renew());
    expect(await world.time.until(lease.release())).toBe('released');
    expect(global.counts.windowConflicts).toBe(0);
  });

  it('surfaces a conflict on renew as a failed renewal of unknown outcome, never as a lost lease', async () => {
    let conflicts = 0;
    const { world, east } = globalWorld(0, (region) => region === 'us-east-1' && conflicts-- > 0);
    const lease = leaseOf(await world.time.until(east.lock.tryAcquire(LOCK)));
    conflicts = 1;
    const error = await world.time.until(lease.renew()).catch((caught: unknown) => caught);
    expect((error as LockUnavailableError).kind).toBe('conflict');
    expect(east.events.find((event) => event.type === 'renewFailed')).toMatchObject({ kind: 'conflict' });
    expect(lease.remainingMs()).toBeGreaterThan(0);
    await world.time.until(lease.renew());
    expect(east.events.filter((event) => event.type === 'lost')).toEqual([]);
    expect(world.record(LOCK)).toMatchObject({ owner: 'us-east-1', fence: 1 });
  });

  it('refuses every request in a lost Region while the others serve, and the others take over once the cut-off lease has stood', async () => {
    const { world, global, east, west } = globalWorld(0);
    const lease = leaseOf(await world.time.until(east.lock.tryAcquire(LOCK)));
    global.lose('us-east-1');
    const error = await world.time.until(east.lock.inspect(LOCK)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LockUnavailableError);
    expect((error as LockUnavailableError).kind).toBe('unknown');
    // west waits with reads; the holder's renewals fail, its signal aborts before west's takeover.
    const taken = leaseOf(await world.time.until(west.lock.acquire(LOCK, { timeoutMs: 5_000 })));
    expect(lease.signal.aborted).toBe(true);
    expect(taken.fence).toBe(2);
    expect(east.events.map((event) => event.type)).toContain('renewFailed');
    expect(global.counts).toMatchObject({ regionLosses: 1 });
    expect(global.counts.unreachable).toBeGreaterThan(0);
    global.restore('us-east-1');
    expect(refusalOf(await world.time.until(east.lock.tryAcquire(LOCK))).holder).toBe('us-west-2');
  });

  it('treats a conflict as an outcome to settle, not as "not applied": an SDK retry that conflicts after its first attempt landed still wins', async () => {
    let writes = 0;
    const { world, global, east } = globalWorld(0, () => ++writes === 2);
    east.network.fault = (operation) => (operation === 'acquire' ? 'sdkRetry' : 'none');
    // The first attempt applies, its response is lost, the SDK's retry meets a conflict: the caller sees the conflict.
    const lease = leaseOf(await world.time.until(east.lock.tryAcquire(LOCK)));
    expect(global.counts.injectedConflicts).toBe(1);
    expect(lease.fence).toBe(1);
    expect(east.writes.map((write) => write.applied)).toEqual([true]);
    expect(world.record(LOCK)).toMatchObject({ owner: 'us-east-1', fence: 1 });
  });

  it('injects conflicts on demand, surfaced as DynamoDbLockStore surfaces ReplicatedWriteConflictException', async () => {
    let inject = true;
    const { world, east } = globalWorld(0, () => inject);
    const error = await world.time.until(east.lock.tryAcquire(LOCK)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LockUnavailableError);
    expect((error as LockUnavailableError).kind).toBe('conflict');
    expect(((error as Error).cause as Error).name).toBe('ReplicatedWriteConflictException');
    inject = false;
    expect(leaseOf(await world.time.until(east.lock.tryAcquire(LOCK))).fence).toBe(1);
  });
});
