import { describe, expect, it } from 'vitest';
import { MemoryLockStore } from '../../src/lock/memory-store.js';
import type { LockRecord } from '../../src/lock/record.js';
import type { AcquireWrite } from '../../src/lock/store.js';

const held: LockRecord = { name: 'job', owner: 'a', rvn: 'r1', fence: 4, epoch: 'e1', leaseMs: 1_000, expiresAt: 5_000, attributes: { kept: 'yes' } };

function acquireBy(owner: string, extra: Partial<AcquireWrite> = {}): AcquireWrite {
  return { name: 'job', owner, rvn: `${owner}-rvn`, ownRvns: [], leaseMs: 2_000, expiresAt: 9_000, epoch: 'fresh', ...extra };
}

function storeWith(record: LockRecord): MemoryLockStore {
  const store = new MemoryLockStore();
  store.put(record.name, record);
  return store;
}

describe('Class: MemoryLockStore (write conditions)', () => {
  it('refuses to take a held lease without one of its own versions, the watched version or a wall-clock expiry before the given time', async () => {
    const store = storeWith(held);
    const refused = await store.acquire(acquireBy('b', { ownRvns: ['other'], takeoverRvn: 'r0', expiredBefore: 5_000 }));
    expect(refused).toEqual({ applied: false, record: held });
    expect(store.peek('job')).toEqual(held);
  });

  it('lets a held lease be taken by the version its writer wrote, by the version watched for a lease, and after expiresAt', async () => {
    for (const extra of [{ ownRvns: ['r1'] }, { takeoverRvn: 'r1' }, { expiredBefore: 5_001 }]) {
      const store = storeWith(held);
      const outcome = await store.acquire(acquireBy('b', extra));
      expect(outcome.applied).toBe(true);
      expect(store.peek('job')).toMatchObject({ owner: 'b', rvn: 'b-rvn', fence: 5, epoch: 'e1', attributes: { kept: 'yes' } });
    }
  });

  it('never takes over on expiry when the holder wrote no expiresAt, nor on the watched version of a record without one', async () => {
    const { expiresAt: _expiresAt, ...noExpiry } = held;
    expect((await storeWith(noExpiry).acquire(acquireBy('b', { expiredBefore: Number.MAX_SAFE_INTEGER }))).applied).toBe(false);
    const { rvn: _rvn, ...noRvn } = held;
    expect((await storeWith(noRvn).acquire(acquireBy('b', { ownRvns: ['r1'], takeoverRvn: 'r1' }))).applied).toBe(false);
  });

  it('creates a missing item at fence 1 with the writer’s epoch and keeps a TTL unless a new one is given', async () => {
    const store = new MemoryLockStore();
    const outcome = await store.acquire(acquireBy('a', { ttl: 77 }));
    expect(outcome).toEqual({
      applied: true,
      record: { name: 'job', owner: 'a', rvn: 'a-rvn', fence: 1, epoch: 'fresh', leaseMs: 2_000, expiresAt: 9_000, ttl: 77, attributes: {} },
    });
    store.put('job', { ...store.peek('job')!, owner: undefined });
    expect((await store.acquire(acquireBy('b'))).record).toMatchObject({ fence: 2, ttl: 77 });
    expect('ttl' in store.peek('job')!).toBe(true);
    const plain = new MemoryLockStore();
    await plain.acquire(acquireBy('a'));
    expect('ttl' in plain.peek('job')!).toBe(false);
  });

  it('renews only for the owner on an expected version, updating the lease and a given TTL', async () => {
    const store = storeWith(held);
    const write = { name: 'job', owner: 'a', rvn: 'r2', expectedRvns: ['r1'], leaseMs: 3_000, expiresAt: 8_000 };
    expect(await store.renew({ ...write, owner: 'b' })).toEqual({ applied: false, record: held });
    expect(await store.renew({ ...write, expectedRvns: ['r0'] })).toEqual({ applied: false, record: held });
    expect(await new MemoryLockStore().renew(write)).toEqual({ applied: false, record: undefined });
    const renewed = await store.renew(write);
    expect(renewed).toEqual({ applied: true, record: { ...held, rvn: 'r2', leaseMs: 3_000, expiresAt: 8_000 } });
    expect('ttl' in store.peek('job')!).toBe(false);
    expect((await store.renew({ ...write, rvn: 'r3', expectedRvns: ['r2'], ttl: 99 })).record).toMatchObject({ rvn: 'r3', ttl: 99 });
  });

  it('refuses a renewal of a record that has no version, whoever asks', async () => {
    const { rvn: _rvn, ...noRvn } = held;
    const store = storeWith(noRvn);
    expect((await store.renew({ name: 'job', owner: 'a', rvn: 'r2', expectedRvns: ['r1'], leaseMs: 1, expiresAt: 1 })).applied).toBe(false);
  });

  it('releases on an expected version: drops owner and lease, zeroes expiresAt, merges the commit attributes and deletes those set to null', async () => {
    const store = storeWith({ ...held, attributes: { kept: 'yes', gone: 1 } });
    const release = { name: 'job', rvn: 'r2', expectedRvns: ['r1'], attributes: { gone: null, added: 3 } };
    expect((await store.release({ ...release, expectedRvns: ['r0'] })).applied).toBe(false);
    expect((await new MemoryLockStore().release(release)).record).toBeUndefined();
    const outcome = await store.release(release);
    expect(outcome).toEqual({
      applied: true,
      record: { name: 'job', rvn: 'r2', fence: 4, epoch: 'e1', expiresAt: 0, attributes: { kept: 'yes', added: 3 } },
    });
    expect(store.peek('job')).toEqual(outcome.record);
    expect((await store.release({ name: 'job', rvn: 'r3', expectedRvns: ['r2'], ttl: 12 })).record).toMatchObject({
      rvn: 'r3',
      ttl: 12,
      attributes: { kept: 'yes', added: 3 },
    });
  });

  it('refuses a release of a record that has no version', async () => {
    const { rvn: _rvn, ...noRvn } = held;
    expect((await storeWith(noRvn).release({ name: 'job', rvn: 'r2', expectedRvns: ['r1'] })).applied).toBe(false);
  });

  it('hands out copies: changing a returned record or its attributes changes nothing stored, and put(undefined) deletes', async () => {
    const store = storeWith(held);
    const refused = await store.acquire(acquireBy('b'));
    refused.record!.attributes['kept'] = 'changed';
    const read = (await store.read('job'))!;
    read.attributes['kept'] = 'changed';
    const applied = await store.release({ name: 'job', rvn: 'r2', expectedRvns: ['r1'] });
    applied.record!.attributes['kept'] = 'changed';
    expect(store.peek('job')!.attributes).toEqual({ kept: 'yes' });
    const source = { ...held, attributes: { kept: 'yes' } };
    const fresh = storeWith(source);
    source.attributes.kept = 'changed';
    await fresh.acquire(acquireBy('b', { ownRvns: ['r1'] }));
    expect(fresh.peek('job')!.attributes).toEqual({ kept: 'yes' });
    fresh.put('job', undefined);
    expect(fresh.peek('job')).toBeUndefined();
    expect(await fresh.read('job')).toBeUndefined();
  });
});
