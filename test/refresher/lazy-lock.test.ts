import { describe, expect, it } from 'vitest';
import { LeaseLock, MemoryLockStore } from '../../src/lock/index.js';
import { LazyLock, type OwnedLock } from '../../src/refresher/lazy-lock.js';
import { TokenRefresher } from '../../src/refresher/token-refresher.js';
import { ConfigurationError } from '../../src/shared/errors.js';

function counted(): { lazy: LazyLock; loads: () => number; lock: LeaseLock } {
  const lock = new LeaseLock({ store: new MemoryLockStore(), heartbeatMs: false });
  let loads = 0;
  const lazy = new LazyLock(async () => {
    loads += 1;
    return lock as OwnedLock;
  });
  return { lazy, loads: () => loads, lock };
}

describe('Class: LazyLock', () => {
  it('loads the lock once, on the first call, however many calls race for it', async () => {
    const { lazy, loads } = counted();
    expect(loads()).toBe(0);
    const [first, second, state] = await Promise.all([lazy.tryAcquire('a'), lazy.tryAcquire('b'), lazy.inspect('never-taken')]);
    expect(loads()).toBe(1);
    expect(first).toMatchObject({ acquired: true, lease: { name: 'a' } });
    expect(second).toMatchObject({ acquired: true, lease: { name: 'b' } });
    expect(state).toBeUndefined();
    expect(await lazy.inspect('a')).toMatchObject({ name: 'a', fence: 1 });
  });

  it('closes the loaded lock, and loads nothing to close a lock never used', async () => {
    const unused = counted();
    await unused.lazy.close();
    expect(unused.loads()).toBe(0);

    const used = counted();
    expect((await used.lazy.tryAcquire('a')).acquired).toBe(true);
    await used.lazy.close();
    await expect(used.lock.tryAcquire('b')).rejects.toThrow(/closed/);
  });
});

describe('Class: TokenRefresher (its lease lock loads on first use)', () => {
  it('still rejects a bad lock option in the constructor', () => {
    const refresh = () => ({ token: 't', expiresAt: Date.now() + 3_600_000 });
    expect(() => new TokenRefresher({ secretId: 'lazy-secret', lockTable: 'lazy-table', refresh, lockOptions: { heartbeatMs: 5_000 } })).toThrow(
      ConfigurationError,
    );
    expect(() => new TokenRefresher({ secretId: 'lazy-secret', lockTable: 'lazy-table', refresh, lockOptions: { heartbeatMs: 5_000 } })).toThrow(
      /more than twice heartbeatMs/,
    );
  });
});
