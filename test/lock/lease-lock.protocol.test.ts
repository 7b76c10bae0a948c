import { describe, expect, it } from 'vitest';
import { LockTimeoutError, LockUnavailableError } from '../../src/lock/errors.js';
import type { AcquireOutcome } from '../../src/lock/lease-lock.js';
import { leaseOf } from '../support/lease-outcome.js';
import { LockWorld } from './world.js';

const TIMING = { leaseMs: 1_000, heartbeatMs: 300, dangerMs: 200, pollMs: 100 } as const;

describe('Class: LeaseLock (protocol, virtual time)', () => {
  it('waits on a held lock with reads only, and writes once when the holder releases', async () => {
    const world = new LockWorld();
    const holder = world.process('holder', TIMING);
    const waiter = world.process('waiter', TIMING);
    const lease = leaseOf(await world.time.until(holder.lock.tryAcquire('job')));
    const waiting = waiter.lock.acquire('job', { timeoutMs: 60_000 });
    await world.time.runFor(10_000);
    expect(waiter.writes).toHaveLength(1);
    expect(waiter.writes[0]).toMatchObject({ operation: 'acquire', applied: false });
    await world.time.until(lease.release());
    const taken = leaseOf(await world.time.until(waiting));
    expect(taken.fence).toBe(2);
    expect(waiter.writes.filter((write) => write.operation === 'acquire')).toHaveLength(2);
    expect(waiter.events.filter((event) => event.type === 'contended')).toHaveLength(1);
    expect(waiter.events.find((event) => event.type === 'takeover')).toBeUndefined();
  });

  it('starts with reads when a tryAcquire just found the lock held, so waiting adds no failed write', async () => {
    const world = new LockWorld();
    const holder = world.process('holder', TIMING);
    const waiter = world.process('waiter', TIMING);
    const lease = leaseOf(await world.time.until(holder.lock.tryAcquire('job')));
    expect((await world.time.until(waiter.lock.tryAcquire('job'))).acquired).toBe(false);
    const waiting = waiter.lock.acquire('job', { timeoutMs: 60_000 });
    await world.time.runFor(5_000);
    await world.time.until(lease.release());
    leaseOf(await world.time.until(waiting));
    expect(waiter.writes.map((write) => write.applied)).toEqual([false, true]);
    // One `contended` for the tryAcquire, one for the acquire's first read.
    expect(waiter.events.filter((event) => event.type === 'contended')).toHaveLength(2);
  });

  it('takes over a dead holder within one lease plus one poll interval of its last write, on its monotonic clock', async () => {
    const world = new LockWorld();
    const holder = world.process('holder', TIMING);
    const waiter = world.process('waiter', TIMING);
    leaseOf(await world.time.until(holder.lock.tryAcquire('job')));
    const waiting = waiter.lock.acquire('job', { timeoutMs: 60_000 });
    await world.time.runFor(2_000);
    holder.crash();
    const lastWrite = holder.writes.at(-1)!.at;
    const taken = leaseOf(await world.time.until(waiting));
    const tookOverAt = world.time.now;
    expect(tookOverAt - lastWrite).toBeGreaterThanOrEqual(TIMING.leaseMs);
    expect(tookOverAt - lastWrite).toBeLessThanOrEqual(TIMING.leaseMs + TIMING.pollMs);
    expect(taken.fence).toBe(2);
    expect(waiter.events.find((event) => event.type === 'takeover')).toMatchObject({ previousHolder: 'holder', mode: 'strict' });
  });

  it('reads again right when the version has stood a full lease, even where floating-point time rounds that instant', async () => {
    const world = new LockWorld();
    const holder = world.process('holder', TIMING);
    // At this monotonic origin, (x + 1000) - x is 999.99999999998: the read at x + 1000 is a hair early,
    // and the next one must come 1 ms later, not a whole poll interval later (random 1: polls of exactly 100 ms).
    const waiter = world.process('waiter', { ...TIMING, random: () => 1 }, { monotonicOffsetMs: 130_096.032_547_279_97 });
    leaseOf(await world.time.until(holder.lock.tryAcquire('job')));
    holder.crash();
    const taken = leaseOf(await world.time.until(waiter.lock.acquire('job', { timeoutMs: 60_000 })));
    expect(world.time.now).toBe(TIMING.leaseMs + 1);
    expect(taken.fence).toBe(2);
  });

  it('ignores wall-clock skew and jumps in strict mode', async () => {
    for (const jump of [-3_600_000, 3_600_000]) {
      const world = new LockWorld();
      const holder = world.process('holder', TIMING, { wallOffsetMs: 600_000 });
      const waiter = world.process('waiter', TIMING, { wallOffsetMs: -600_000 });
      leaseOf(await world.time.until(holder.lock.tryAcquire('job')));
      const waiting = waiter.lock.acquire('job', { timeoutMs: 60_000 });
      await world.time.runFor(500);
      holder.crash();
      waiter.clock.wallJump(jump);
      const lastWrite = holder.writes.at(-1)!.at;
      leaseOf(await world.time.until(waiting));
      expect(world.time.now - lastWrite).toBeGreaterThanOrEqual(TIMING.leaseMs);
      expect(world.time.now - lastWrite).toBeLessThanOrEqual(TIMING.leaseMs + TIMING.pollMs);
    }
  });

  it('polls a live holder with tryAcquire at the cost of reads: one failed write, then reads until the lock is free', async () => {
    const world = new LockWorld();
    const holder = world.process('holder', TIMING);
    const prober = world.process('prober', TIMING);
    const lease = leaseOf(await world.time.until(holder.lock.tryAcquire('job')));
    for (let poll = 0; poll < 50; poll += 1) {
      await world.time.runFor(TIMING.pollMs);
      expect(await world.time.until(prober.lock.tryAcquire('job'))).toMatchObject({ acquired: false, state: { holder: 'holder' } });
    }
    // The holder renewed throughout (a new version every heartbeat), so no observation stood a full lease.
    expect(holder.writes.filter((write) => write.operation === 'renew').length).toBeGreaterThan(10);
    expect(prober.writes.map((write) => write.applied)).toEqual([false]);
    await world.time.until(lease.release());
    const taken = leaseOf(await world.time.until(prober.lock.tryAcquire('job')));
    expect(taken.fence).toBe(2);
    expect(prober.writes.map((write) => write.applied)).toEqual([false, true]);
  });

  it('converges with repeated tryAcquire calls on a dead lock (observations persist between calls)', async () => {
    const world = new LockWorld();
    const holder = world.process('holder', TIMING);
    const prober = world.process('prober', TIMING);
    leaseOf(await world.time.until(holder.lock.tryAcquire('job')));
    holder.crash();
    const lastWrite = holder.writes.at(-1)!.at;
    let outcome: AcquireOutcome;
    do {
      await world.time.runFor(200);
      outcome = await world.time.until(prober.lock.tryAcquire('job'));
    } while (!outcome.acquired);
    expect(world.time.now - lastWrite).toBeLessThanOrEqual(TIMING.leaseMs + 200);
    expect(outcome.lease.fence).toBe(2);
  });

  it('takes over at expiresAt + maxClockSkewMs on the opt-in fast path, safely while skew stays within the bound', async () => {
    const world = new LockWorld();
    const options = { ...TIMING, maxClockSkewMs: 100 };
    const holder = world.process('holder', { ...options, heartbeatMs: false }, { wallOffsetMs: 90 });
    const prober = world.process('prober', options, { wallOffsetMs: -5 });
    const lease = leaseOf(await world.time.until(holder.lock.tryAcquire('job')));
    let holderValidUntil = 0;
    lease.signal.addEventListener('abort', () => (holderValidUntil = world.time.now));
    // A fresh process that never saw the lock before: only the fast path lets it in before a full lease of watching.
    // The holder's expiresAt is 1 090 on true time; the prober's clock is 5 ms slow and it waits 100 ms more.
    await world.time.runFor(1_150);
    expect((await world.time.until(prober.lock.tryAcquire('job'))).acquired).toBe(false);
    await world.time.runFor(50);
    const taken = await world.time.until(prober.lock.tryAcquire('job'));
    expect(taken.acquired).toBe(true);
    expect(holderValidUntil).toBe(800);
    expect(prober.events.find((event) => event.type === 'takeover')).toMatchObject({ mode: 'clockSkew', previousHolder: 'holder' });
  });

  it('documents the fast path failure: clocks skewed beyond maxClockSkewMs let two holders overlap', async () => {
    const world = new LockWorld();
    const options = { ...TIMING, maxClockSkewMs: 100 };
    const holder = world.process('holder', { ...options, heartbeatMs: false });
    const skewed = world.process('skewed', options, { wallOffsetMs: 5_000 });
    const lease = leaseOf(await world.time.until(holder.lock.tryAcquire('job')));
    const taken = await world.time.until(skewed.lock.tryAcquire('job'));
    expect(taken.acquired).toBe(true);
    expect(lease.remainingMs()).toBeGreaterThan(0);
  });

  it('resolves an acquire whose response was lost: the SDK retry finds its own write and wins', async () => {
    const world = new LockWorld();
    const a = world.process('a', TIMING);
    a.network.fault = (operation) => (operation === 'acquire' ? 'sdkRetry' : 'none');
    const lease = leaseOf(await world.time.until(a.lock.tryAcquire('job')));
    expect(world.table.peek('job')?.owner).toBe('a');
    expect(lease.fence).toBe(2);
  });

  it('learns with one read that an acquire write whose response was lost did land, and holds the lock', async () => {
    const world = new LockWorld();
    const a = world.process('a', TIMING);
    a.network.fault = (operation) => (operation === 'acquire' ? 'dropResponse' : 'none');
    const outcome = await world.time.until(a.lock.tryAcquire('job'));
    expect(outcome.acquired).toBe(true);
    expect(a.events.find((event) => event.type === 'acquired')).toMatchObject({ requests: 2 });
  });

  it('tells a contended lock from a lost write when the response of its write was lost', async () => {
    const world = new LockWorld();
    const holder = world.process('holder', TIMING);
    const a = world.process('a', TIMING);
    leaseOf(await world.time.until(holder.lock.tryAcquire('job')));
    a.network.fault = (operation) => (operation === 'acquire' ? 'failBefore' : 'none');
    expect(await world.time.until(a.lock.tryAcquire('job'))).toMatchObject({ acquired: false, state: { holder: 'holder' } });
  });

  it('adopts an acquire write of unknown outcome on the next attempt instead of leaving it orphaned', async () => {
    const world = new LockWorld();
    const a = world.process('a', TIMING);
    const b = world.process('b', TIMING);
    // The response is lost and so is the read that would have told: the outcome stays unknown for now.
    a.network.fault = (operation) => (operation === 'acquire' ? 'dropResponse' : 'failBefore');
    await expect(world.time.until(a.lock.tryAcquire('job'))).rejects.toThrow(LockUnavailableError);
    expect(world.table.peek('job')?.owner).toBe('a');
    expect((await world.time.until(b.lock.tryAcquire('job'))).acquired).toBe(false);
    a.network.fault = () => 'none';
    const lease = leaseOf(await world.time.until(a.lock.tryAcquire('job')));
    expect(lease.remainingMs()).toBeGreaterThan(0);
  });

  it('keeps waiting through throttled and failed requests until the holder releases', async () => {
    const world = new LockWorld();
    const holder = world.process('holder', TIMING);
    const waiter = world.process('waiter', TIMING);
    const lease = leaseOf(await world.time.until(holder.lock.tryAcquire('job')));
    let count = 0;
    waiter.network.fault = () => (++count % 3 === 0 ? 'none' : count % 3 === 1 ? 'throttle' : 'failBefore');
    const waiting = waiter.lock.acquire('job', { timeoutMs: 60_000 });
    await world.time.runFor(3_000);
    await world.time.until(lease.release());
    waiter.network.fault = () => 'none';
    expect(leaseOf(await world.time.until(waiting)).fence).toBe(2);
    expect(waiter.events.some((event) => event.type === 'lost')).toBe(false);
  });

  it('rejects with LockTimeoutError naming the holder after timeoutMs', async () => {
    const world = new LockWorld();
    const holder = world.process('holder', TIMING);
    const waiter = world.process('waiter', TIMING);
    leaseOf(await world.time.until(holder.lock.tryAcquire('job')));
    const waiting = waiter.lock.acquire('job', { timeoutMs: 2_500 });
    await expect(world.time.until(waiting)).rejects.toThrow(LockTimeoutError);
    await expect(waiting).rejects.toMatchObject({ lastHolder: 'holder', timeoutMs: 2_500 });
    expect(world.time.now).toBe(2_500);
  });

  it('bounds the request rate of 50 waiters on a held lock, and lets each give up at its own deadline', async () => {
    const world = new LockWorld();
    const holder = world.process('holder', TIMING);
    leaseOf(await world.time.until(holder.lock.tryAcquire('job')));
    const waiters = Array.from({ length: 50 }, (_, index) => world.process(`waiter-${index}`, TIMING));
    let reads = 0;
    for (const waiter of waiters) {
      waiter.network.fault = (operation) => {
        if (operation === 'read') reads += 1;
        return 'none';
      };
    }
    const endings = waiters.map((waiter, index) => {
      const deadline = 5_000 + index * 100;
      return waiter.lock.acquire('job', { timeoutMs: deadline }).then(
        () => ({ deadline, endedAt: -1 }),
        (error: unknown) => ({ deadline, endedAt: error instanceof LockTimeoutError ? world.time.now : -2 }),
      );
    });
    const results = await world.time.until(Promise.all(endings));
    expect(results.every(({ deadline, endedAt }) => endedAt === deadline)).toBe(true);
    // One failed write each on arrival, then reads only: at most one per half poll interval (the jitter's floor).
    expect(waiters.flatMap((waiter) => waiter.writes)).toHaveLength(50);
    const readBound = results.reduce((sum, { deadline }) => sum + Math.ceil(deadline / (TIMING.pollMs / 2)), 0);
    expect(reads).toBeGreaterThan(readBound / 3);
    expect(reads).toBeLessThanOrEqual(readBound);
    expect(world.table.peek('job')?.owner).toBe('holder');
  });

  it('stops waiting when stopWhen accepts a state, without writing', async () => {
    const world = new LockWorld();
    const holder = world.process('holder', TIMING);
    const waiter = world.process('waiter', TIMING);
    const lease = leaseOf(await world.time.until(holder.lock.tryAcquire('job')));
    const waiting = waiter.lock.acquire('job', {
      timeoutMs: 60_000,
      stopWhen: (state) => Number(state.attributes.generation ?? 0) >= 2,
    });
    await world.time.runFor(1_500);
    await world.time.until(lease.commitAndRelease({ generation: 2 }));
    const outcome = await world.time.until(waiting);
    expect(outcome).toMatchObject({ acquired: false, state: { attributes: { generation: 2 } } });
    expect(waiter.writes).toHaveLength(1);
  });

  it('rejects with the signal reason as soon as it aborts, and releases a lease won by the interrupted write', async () => {
    const world = new LockWorld();
    const a = world.process('a', TIMING);
    a.network.latency = () => 50;
    const controller = new AbortController();
    const acquiring = a.lock.acquire('job', { signal: controller.signal });
    await world.time.runFor(10);
    controller.abort(new Error('shutting down'));
    await expect(acquiring).rejects.toThrow('shutting down');
    expect(world.time.now).toBe(10);
    await world.time.runFor(1_000);
    expect(world.table.peek('job')).toMatchObject({ fence: 1 });
    expect(world.record('job').owner).toBeUndefined();
  });

  it('rejects at once on an already aborted signal', async () => {
    const world = new LockWorld();
    const a = world.process('a', TIMING);
    await expect(a.lock.acquire('job', { signal: AbortSignal.abort(new Error('early')) })).rejects.toThrow('early');
    expect(a.writes).toHaveLength(0);
  });

  it('runs withLock with signal, fence and remaining time, and releases even when fn throws', async () => {
    const world = new LockWorld();
    const a = world.process('a', TIMING);
    const seen = await world.time.until(
      a.lock.withLock('job', async ({ signal, fence, remainingMs }) => ({ aborted: signal.aborted, fence, remaining: remainingMs() })),
    );
    expect(seen).toEqual({ aborted: false, fence: 1, remaining: 800 });
    expect(world.record('job').owner).toBeUndefined();
    await expect(
      world.time.until(
        a.lock.withLock('job', async () => {
          throw new Error('work failed');
        }),
      ),
    ).rejects.toThrow('work failed');
    expect(world.table.peek('job')).toMatchObject({ fence: 2 });
    expect(world.record('job').owner).toBeUndefined();
  });

  it('aborts the withLock signal before the lease can expire remotely when renewals stall', async () => {
    const world = new LockWorld();
    const a = world.process('a', TIMING);
    const b = world.process('b', TIMING);
    let abortedAt = 0;
    const running = a.lock.withLock('job', async ({ signal }) => {
      a.network.fault = () => 'failBefore';
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      abortedAt = world.time.now;
    });
    await world.time.runFor(10);
    const waiting = b.lock.acquire('job', { timeoutMs: 60_000 });
    await world.time.until(running);
    leaseOf(await world.time.until(waiting));
    expect(abortedAt).toBe(800);
    expect(world.time.now).toBeGreaterThan(1_000);
  });

  it('releases every held lease on close, then refuses new acquires', async () => {
    const world = new LockWorld();
    const a = world.process('a', TIMING);
    leaseOf(await world.time.until(a.lock.tryAcquire('one')));
    leaseOf(await world.time.until(a.lock.tryAcquire('two')));
    await world.time.until(a.lock.close());
    expect(world.record('one').owner).toBeUndefined();
    expect(world.record('two').owner).toBeUndefined();
    await expect(a.lock.tryAcquire('three')).rejects.toThrow(/closed/);
    expect(world.time.pending).toBe(0);
  });

  it('keeps a new epoch when the item is re-created, so (epoch, fence) pairs never repeat', async () => {
    const world = new LockWorld();
    const a = world.process('a', TIMING);
    const first = leaseOf(await world.time.until(a.lock.tryAcquire('job')));
    await world.time.until(first.release());
    world.table.put('job', undefined);
    const second = leaseOf(await world.time.until(a.lock.tryAcquire('job')));
    expect(second.fence).toBe(first.fence);
    expect(second.epoch).not.toBe(first.epoch);
  });

  it('survives an onEvent listener that throws', async () => {
    const world = new LockWorld();
    const a = world.process('a', {
      ...TIMING,
      onEvent: () => {
        throw new Error('listener bug');
      },
    });
    const lease = leaseOf(await world.time.until(a.lock.tryAcquire('job')));
    await world.time.runFor(2_000);
    expect(await world.time.until(lease.release())).toBe('released');
  });

  it('stores a TTL in epoch seconds past the lease expiry when asked', async () => {
    const world = new LockWorld();
    const a = world.process('a', { ...TIMING, ttlSeconds: 3_600 });
    leaseOf(await world.time.until(a.lock.tryAcquire('job')));
    const record = world.table.peek('job')!;
    const nowSeconds = a.clock.now() / 1000;
    expect(Number.isInteger(record.ttl)).toBe(true);
    expect(record.ttl).toBeGreaterThanOrEqual(Math.floor(nowSeconds));
    expect(record.ttl).toBeLessThanOrEqual(Math.ceil(nowSeconds + TIMING.leaseMs / 1000 + 3_600 + 1));
    const b = world.process('b', TIMING);
    leaseOf(await world.time.until(b.lock.tryAcquire('other')));
    expect(world.record('other').ttl).toBeUndefined();
  });
});
