import { describe, expect, it } from 'vitest';
import { ObservationLog } from '../../src/lock/observations.js';
import type { LockRecord } from '../../src/lock/record.js';

const held = (rvn: string, leaseMs = 1_000): LockRecord => ({ name: 'a', owner: 'h', rvn, fence: 1, leaseMs, attributes: {} });

describe('Class: ObservationLog', () => {
  it('declares a version expired only after it stood unchanged for the holder’s full lease', () => {
    const log = new ObservationLog(10);
    log.observe('a', held('r1'), 100, 5_000);
    log.observe('a', held('r1'), 900, 5_000);
    expect(log.expiredVersion('a', 1_099)).toBeUndefined();
    expect(log.expiredVersion('a', 1_100)).toBe('r1');
  });

  it('restarts the count when the version changes, and forgets a free lock', () => {
    const log = new ObservationLog(10);
    log.observe('a', held('r1'), 0, 5_000);
    log.observe('a', held('r2'), 900, 5_000);
    expect(log.expiredVersion('a', 1_500)).toBeUndefined();
    expect(log.expiredVersion('a', 1_900)).toBe('r2');
    log.observe('a', { name: 'a', rvn: 'r3', fence: 1, attributes: {} }, 2_000, 5_000);
    expect(log.get('a')).toBeUndefined();
  });

  it('says how long until expiry in the same arithmetic as expiredVersion: positive exactly while not expired', () => {
    const log = new ObservationLog(10);
    const first = 130_096.032_547_279_97;
    const now = first + 1_000; // now - first rounds to 999.99999999998, first + 1000 - now to 0
    log.observe('a', held('r1'), first, 5_000);
    expect(log.expiredVersion('a', now)).toBeUndefined();
    expect(log.msUntilExpired('a', now)).toBeGreaterThan(0);
    expect(log.msUntilExpired('a', now + 1)).toBeLessThanOrEqual(0);
    expect(log.expiredVersion('a', now + 1)).toBe('r1');
    expect(log.msUntilExpired('b', now)).toBeUndefined();
  });

  it('uses the fallback lease when the item carries none', () => {
    const log = new ObservationLog(10);
    log.observe('a', { ...held('r1'), leaseMs: undefined }, 0, 300);
    expect(log.expiredVersion('a', 300)).toBe('r1');
  });

  it('keeps at most its capacity, forgetting the least recently observed lock', () => {
    const log = new ObservationLog(2);
    log.observe('a', held('r1'), 0, 1);
    log.observe('b', held('r1'), 0, 1);
    log.observe('a', held('r1'), 1, 1);
    log.observe('c', held('r1'), 2, 1);
    expect(log.size).toBe(2);
    expect(log.get('b')).toBeUndefined();
    expect(log.get('a')?.firstSeenAt).toBe(0);
  });
});
