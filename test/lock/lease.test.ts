import { describe, expect, it } from 'vitest';
import { LockLostError, LockUnavailableError } from '../../src/lock/errors.js';
import { leaseOf } from '../support/lease-outcome.js';
import { seededRandom } from '../../src/shared/random.js';
import { LockWorld, type SimProcess } from './world.js';

const TIMING = { leaseMs: 1_000, heartbeatMs: 300, dangerMs: 200 } as const;

function types(process: SimProcess): string[] {
  return process.events.map((event) => event.type);
}

describe('Class: HeldLease', () => {
  it('renews every heartbeatMs and stays valid while renewals succeed', async () => {
    const world = new LockWorld();
    const a = world.process('a', TIMING);
    const lease = leaseOf(await world.time.until(a.lock.tryAcquire('job')));
    await world.time.runFor(3_000);
    expect(lease.remainingMs()).toBeGreaterThan(0);
    expect(lease.signal.aborted).toBe(false);
    expect(a.writes.filter((write) => write.operation === 'renew' && write.applied)).toHaveLength(10);
    expect(types(a)).not.toContain('danger');
  });

  it('keeps the lease through transient renewal failures shorter than the lease', async () => {
    const world = new LockWorld();
    const a = world.process('a', TIMING);
    const lease = leaseOf(await world.time.until(a.lock.tryAcquire('job')));
    let failures = 2;
    a.network.fault = (operation) => (operation === 'renew' && failures-- > 0 ? 'failBefore' : 'none');
    await world.time.runFor(5_000);
    expect(types(a).filter((type) => type === 'renewFailed')).toHaveLength(2);
    expect(types(a)).not.toContain('danger');
    expect(types(a)).not.toContain('lost');
    expect(lease.remainingMs()).toBeGreaterThan(0);
  });

  it('aborts its signal dangerMs before the remote expiry when renewals keep failing, then reports expiry', async () => {
    const world = new LockWorld();
    const a = world.process('a', TIMING);
    const lease = leaseOf(await world.time.until(a.lock.tryAcquire('job')));
    a.network.fault = (operation) => (operation === 'renew' ? 'throttle' : 'none');
    let abortedAt: number | undefined;
    lease.signal.addEventListener('abort', () => (abortedAt = world.time.now));
    await world.time.runFor(2_000);
    expect(abortedAt).toBe(TIMING.leaseMs - TIMING.dangerMs);
    expect(lease.signal.reason).toBeInstanceOf(LockLostError);
    expect((lease.signal.reason as LockLostError).reason).toBe('expiring');
    const danger = a.events.find((event) => event.type === 'danger');
    const lost = a.events.find((event) => event.type === 'lost');
    expect(danger?.at).toBe(800);
    expect(lost).toMatchObject({ at: 1_000, reason: 'expired' });
    expect(
      a.events.filter((event) => event.type === 'renewFailed').every((event) => event.type === 'renewFailed' && event.kind === 'throttled'),
    ).toBe(true);
    await expect(lease.renew()).rejects.toThrow(LockLostError);
  });

  it('aborts before any contender could take over, whatever the request latency (local validity <= remote validity)', async () => {
    for (const latency of [0, 10, 100, 250]) {
      const world = new LockWorld();
      const holder = world.process('holder', { ...TIMING, heartbeatMs: false });
      const contender = world.process('contender', { ...TIMING, pollMs: 50 });
      holder.network.latency = () => latency;
      contender.network.latency = () => latency;
      const lease = leaseOf(await world.time.until(holder.lock.tryAcquire('job')));
      let validUntil = 0;
      lease.signal.addEventListener('abort', () => (validUntil = world.time.now));
      // Partitioned from the table, the holder keeps running its timers but can no longer renew.
      holder.network.fault = () => 'failBefore';
      const taken = leaseOf(await world.time.until(contender.lock.acquire('job', { timeoutMs: 10_000 })));
      const takenAt = world.time.now;
      expect(validUntil).toBeGreaterThan(0);
      // The contender's write landed one latency before its response arrived.
      expect(takenAt - latency).toBeGreaterThan(validUntil);
      expect(taken.fence).toBe(2);
    }
  });

  it('recognises a renewal whose response was lost, instead of reporting a false loss', async () => {
    const world = new LockWorld();
    const a = world.process('a', TIMING);
    const lease = leaseOf(await world.time.until(a.lock.tryAcquire('job')));
    let dropped = false;
    a.network.fault = (operation) => {
      if (operation !== 'renew' || dropped) return 'none';
      dropped = true;
      return 'dropResponse';
    };
    await world.time.runFor(3_000);
    expect(dropped).toBe(true);
    expect(types(a)).toContain('renewFailed');
    expect(types(a)).not.toContain('lost');
    expect(a.writes.filter((write) => write.operation === 'renew' && !write.applied)).toHaveLength(0);
    expect(lease.remainingMs()).toBeGreaterThan(0);
  });

  it('gives zero false losses over 10 000 renewals with 30 % of responses lost or refused', async () => {
    const world = new LockWorld();
    const a = world.process('a', { leaseMs: 3_000, heartbeatMs: 100, dangerMs: 500 });
    const lease = leaseOf(await world.time.until(a.lock.tryAcquire('job')));
    const random = seededRandom(42);
    a.network.fault = () => {
      const roll = random();
      return roll < 0.1 ? 'dropResponse' : roll < 0.2 ? 'failBefore' : roll < 0.3 ? 'sdkRetry' : 'none';
    };
    a.network.latency = () => Math.floor(random() * 20);
    await world.time.runFor(1_200_000);
    const renewals = a.writes.filter((write) => write.operation === 'renew');
    expect(renewals.length).toBeGreaterThan(10_000);
    expect(types(a)).not.toContain('lost');
    expect(types(a)).not.toContain('danger');
    expect(lease.remainingMs()).toBeGreaterThan(0);
  });

  it('serializes release behind an in-flight renewal: the item ends released and nothing writes after it', async () => {
    for (let iteration = 0; iteration < 1_000; iteration += 1) {
      const world = new LockWorld();
      const a = world.process('a', { ...TIMING, heartbeatMs: false });
      a.network.latency = () => 1 + (iteration % 7) * 5;
      const lease = leaseOf(await world.time.until(a.lock.tryAcquire('job')));
      const renewing = lease.renew();
      const releasing = lease.release();
      await world.time.until(renewing);
      expect(await world.time.until(releasing)).toBe('released');
      await world.time.runFor(5_000);
      const last = a.writes.at(-1);
      expect(last?.operation).toBe('release');
      expect(world.record('job').owner).toBeUndefined();
    }
  });

  it('answers notHeld to a second release and to a release after a takeover, leaving the new holder untouched', async () => {
    const world = new LockWorld();
    const a = world.process('a', { ...TIMING, heartbeatMs: false });
    const b = world.process('b', { ...TIMING, pollMs: 50 });
    const first = leaseOf(await world.time.until(a.lock.tryAcquire('job')));
    expect(await world.time.until(first.release())).toBe('released');
    expect(await world.time.until(first.release())).toBe('notHeld');

    const second = leaseOf(await world.time.until(a.lock.tryAcquire('job')));
    const taken = leaseOf(await world.time.until(b.lock.acquire('job', { timeoutMs: 5_000 })));
    const before = world.table.peek('job');
    expect(await world.time.until(second.release())).toBe('notHeld');
    expect(world.table.peek('job')).toEqual(before);
    expect(taken.remainingMs()).toBeGreaterThan(0);
    // Unrenewed, the lease had already been reported lost when it ran out, before the takeover.
    expect(a.events.filter((event) => event.type === 'lost')).toMatchObject([{ reason: 'expired', at: 1_000 }]);
  });

  it('learns with one read that a release whose response was lost did land', async () => {
    const world = new LockWorld();
    const a = world.process('a', TIMING);
    const lease = leaseOf(await world.time.until(a.lock.tryAcquire('job')));
    a.network.fault = (operation) => (operation === 'release' ? 'dropResponse' : 'none');
    await world.time.until(lease.commitAndRelease({ generation: 3 }));
    expect(world.table.peek('job')).toMatchObject({ attributes: { generation: 3 } });
    expect(a.events.filter((event) => event.type === 'released')).toMatchObject([{ committed: true }]);
  });

  it('keeps a release that did not land retryable, and still reports "released" when it applies', async () => {
    const world = new LockWorld();
    const a = world.process('a', TIMING);
    const lease = leaseOf(await world.time.until(a.lock.tryAcquire('job')));
    a.network.fault = (operation) => (operation === 'release' ? 'failBefore' : 'none');
    await expect(world.time.until(lease.release())).rejects.toThrow(LockUnavailableError);
    a.network.fault = () => 'none';
    expect(await world.time.until(lease.release())).toBe('released');
  });

  it('commits attributes with the release, and recognises its own commit after a lost response', async () => {
    const world = new LockWorld();
    const a = world.process('a', TIMING);
    const lease = leaseOf(await world.time.until(a.lock.tryAcquire('job')));
    // The response is lost and so is the read that would have told.
    a.network.fault = (operation) => (operation === 'release' ? 'dropResponse' : operation === 'read' ? 'failBefore' : 'none');
    await expect(world.time.until(lease.commitAndRelease({ generation: 3 }))).rejects.toThrow(LockUnavailableError);
    a.network.fault = () => 'none';
    await world.time.until(lease.commitAndRelease({ generation: 3 }));
    expect(world.table.peek('job')).toMatchObject({ fence: 1, attributes: { generation: 3 } });
    expect(world.record('job').owner).toBeUndefined();
    expect(a.events.filter((event) => event.type === 'released')).toMatchObject([{ committed: true }]);
  });

  it('refuses commitAndRelease once the lock was taken over, without writing', async () => {
    const world = new LockWorld();
    const a = world.process('a', { ...TIMING, heartbeatMs: false });
    const b = world.process('b', { ...TIMING, pollMs: 50 });
    const lease = leaseOf(await world.time.until(a.lock.tryAcquire('job')));
    leaseOf(await world.time.until(b.lock.acquire('job', { timeoutMs: 5_000 })));
    await expect(world.time.until(lease.commitAndRelease({ generation: 9 }))).rejects.toMatchObject({ reason: 'stolen' });
    expect(world.table.peek('job')?.attributes).toEqual({});
    const writes = a.writes.length;
    await expect(world.time.until(lease.commitAndRelease({ generation: 9 }))).rejects.toThrow(LockLostError);
    expect(a.writes.length).toBe(writes);
  });

  it('validates committed attributes before writing', async () => {
    const world = new LockWorld();
    const a = world.process('a', TIMING);
    const lease = leaseOf(await world.time.until(a.lock.tryAcquire('job')));
    await expect(lease.commitAndRelease({ lockOwner: 'x' })).rejects.toThrow(/reserved/);
    await expect(lease.commitAndRelease({ pk: 'x' })).rejects.toThrow(/reserved/);
    await expect(lease.commitAndRelease({ n: Number.NaN })).rejects.toThrow(/finite/);
    await expect(lease.commitAndRelease({ nested: { a: 1 } as never })).rejects.toThrow(/string, a finite number/);
    expect(lease.remainingMs()).toBeGreaterThan(0);
  });

  it('releases on `await using` scope exit and aborts its signal with reason released', async () => {
    const world = new LockWorld();
    const a = world.process('a', TIMING);
    let signal: AbortSignal | undefined;
    await world.time.until(
      (async () => {
        await using lease = leaseOf(await a.lock.tryAcquire('job'));
        signal = lease.signal;
      })(),
    );
    expect(world.record('job').owner).toBeUndefined();
    expect(signal?.reason).toBeInstanceOf(LockLostError);
    expect(signal?.reason).toMatchObject({ reason: 'released' });
  });

  it('reports a failed release during disposal as an event instead of throwing', async () => {
    const world = new LockWorld();
    const a = world.process('a', TIMING);
    const lease = leaseOf(await world.time.until(a.lock.tryAcquire('job')));
    a.network.fault = () => 'failBefore';
    await world.time.until(lease[Symbol.asyncDispose]());
    expect(a.events.at(-1)).toMatchObject({ type: 'releaseFailed', errorName: 'LockUnavailableError' });
  });
});
