import { describe, expect, it } from 'vitest';
import { ObservationLog } from '../../src/lock/observations.js';
import type { LockRecord } from '../../src/lock/record.js';

const held = (rvn: string, name = 'job'): LockRecord => ({ name, owner: 'a', rvn, fence: 3, leaseMs: 100, attributes: {} });

describe('Class: ObservationLog (bookkeeping)', () => {
  it('forgets a lock whose record has an owner but no version, as it does a free one', () => {
    const log = new ObservationLog(10);
    log.observe('job', held('r1'), 0, 50);
    const { rvn: _rvn, ...noRvn } = held('r1');
    expect(log.observe('job', noRvn, 10, 50)).toBeUndefined();
    expect(log.get('job')).toBeUndefined();
    log.observe('job', held('r1'), 20, 50);
    expect(log.get('job')?.firstSeenAt).toBe(20);
  });

  it('evicts the oldest lock once over capacity, and forget drops one lock only', () => {
    const log = new ObservationLog(2);
    log.observe('a', held('r1', 'a'), 0, 50);
    log.observe('b', held('r1', 'b'), 0, 50);
    expect(log.size).toBe(2);
    log.observe('c', held('r1', 'c'), 0, 50);
    expect(log.size).toBe(2);
    expect(log.get('a')).toBeUndefined();
    expect(log.get('b')).toBeDefined();
    log.forget('b');
    expect(log.get('b')).toBeUndefined();
    expect(log.get('c')).toBeDefined();
  });

  it('names the expired version only once it has stood its lease, and nothing for an unseen lock', () => {
    const log = new ObservationLog(10);
    expect(log.expiredVersion('job', 1_000)).toBeUndefined();
    log.observe('job', held('r1'), 0, 50);
    expect(log.expiredVersion('job', 99)).toBeUndefined();
    expect(log.expiredVersion('job', 100)).toBe('r1');
  });
});
