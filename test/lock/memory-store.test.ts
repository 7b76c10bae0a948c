import { describe, expect, it } from 'vitest';
import { MemoryLockStore } from '../../src/lock/memory-store.js';
import type { AcquireWrite } from '../../src/lock/store.js';

const acquire = (overrides: Partial<AcquireWrite> = {}): AcquireWrite => ({
  name: 'a',
  owner: 'o1',
  rvn: 'r1',
  ownRvns: ['r1'],
  leaseMs: 1_000,
  expiresAt: 5_000,
  epoch: 'e1',
  ...overrides,
});

describe('Class: MemoryLockStore', () => {
  it('creates the item with fence 1 and the given epoch, then refuses a second owner', () => {
    const store = new MemoryLockStore();
    expect(store.applyAcquire(acquire())).toMatchObject({ applied: true, record: { fence: 1, epoch: 'e1', owner: 'o1' } });
    expect(store.applyAcquire(acquire({ owner: 'o2', rvn: 'r2', ownRvns: ['r2'], epoch: 'e2' }))).toMatchObject({
      applied: false,
      record: { owner: 'o1', rvn: 'r1' },
    });
  });

  it('allows a takeover only of the exact version observed, or of an expiry older than the bound', () => {
    const store = new MemoryLockStore();
    store.applyAcquire(acquire());
    expect(store.applyAcquire(acquire({ owner: 'o2', rvn: 'r2', ownRvns: ['r2'], takeoverRvn: 'other' })).applied).toBe(false);
    expect(store.applyAcquire(acquire({ owner: 'o2', rvn: 'r2', ownRvns: ['r2'], expiredBefore: 5_000 })).applied).toBe(false);
    expect(store.applyAcquire(acquire({ owner: 'o2', rvn: 'r2', ownRvns: ['r2'], expiredBefore: 5_001 }))).toMatchObject({
      applied: true,
      record: { owner: 'o2', fence: 2, epoch: 'e1' },
    });
    expect(store.applyAcquire(acquire({ owner: 'o3', rvn: 'r3', ownRvns: ['r3'], takeoverRvn: 'r2' }))).toMatchObject({
      applied: true,
      record: { owner: 'o3', fence: 3 },
    });
  });

  it('renews only for the owner with a matching version, and keeps the fence', () => {
    const store = new MemoryLockStore();
    store.applyAcquire(acquire());
    const renew = { name: 'a', owner: 'o1', rvn: 'r2', leaseMs: 1_000, expiresAt: 6_000 };
    expect(store.applyRenew({ ...renew, expectedRvns: ['x', 'r2'] }).applied).toBe(false);
    expect(store.applyRenew({ ...renew, owner: 'o2', expectedRvns: ['r1'] }).applied).toBe(false);
    expect(store.applyRenew({ ...renew, expectedRvns: ['r1', 'r2'] })).toMatchObject({
      applied: true,
      record: { rvn: 'r2', fence: 1, expiresAt: 6_000 },
    });
  });

  it('writes and removes attributes with a renewal, only when the renewal applies', () => {
    const store = new MemoryLockStore();
    store.applyAcquire(acquire());
    const renew = { name: 'a', owner: 'o1', leaseMs: 1_000, expiresAt: 6_000 };
    expect(store.applyRenew({ ...renew, rvn: 'r2', expectedRvns: ['x'], attributes: { marker: 1 } }).applied).toBe(false);
    expect(store.peek('a')?.attributes).toEqual({});
    expect(store.applyRenew({ ...renew, rvn: 'r2', expectedRvns: ['r1', 'r2'], attributes: { marker: 1, keep: 'k' } })).toMatchObject({
      applied: true,
      record: { attributes: { marker: 1, keep: 'k' } },
    });
    expect(store.applyRenew({ ...renew, rvn: 'r3', expectedRvns: ['r2', 'r3'], attributes: { marker: null } }).record?.attributes).toEqual({
      keep: 'k',
    });
  });

  it('releases keeping fence, epoch and attributes, merging and removing committed attributes', () => {
    const store = new MemoryLockStore();
    store.applyAcquire(acquire());
    store.applyRelease({ name: 'a', rvn: 'x1', expectedRvns: ['r1'], attributes: { generation: 1, keep: 'k' } });
    store.applyAcquire(acquire({ rvn: 'r3', ownRvns: ['r3'] }));
    const outcome = store.applyRelease({ name: 'a', rvn: 'x2', expectedRvns: ['r3'], attributes: { generation: 2, keep: null } });
    expect(outcome).toMatchObject({ applied: true, record: { fence: 2, epoch: 'e1', rvn: 'x2', expiresAt: 0, attributes: { generation: 2 } } });
    expect(outcome.record?.owner).toBeUndefined();
    expect(store.applyRelease({ name: 'a', rvn: 'x3', expectedRvns: ['r3'] }).applied).toBe(false);
  });

  it('hands out copies: changing a returned record does not change the table', () => {
    const store = new MemoryLockStore();
    const { record } = store.applyAcquire(acquire());
    record!.attributes.injected = 'x';
    expect(store.peek('a')?.attributes).toEqual({});
  });
});
