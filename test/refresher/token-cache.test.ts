import { describe, expect, it } from 'vitest';
import { RefreshPolicy } from '../../src/token/policy.js';
import { TokenCache } from '../../src/refresher/token-cache.js';
import { ManualClock } from '../support/manual-clock.js';

const LIFETIME = 60_000;

function setup(jitter = 0.5) {
  const clock = new ManualClock();
  const cache = new TokenCache({ clock, policy: new RefreshPolicy(), random: () => jitter });
  const facts = (versionId: string) => ({
    token: `t-${versionId}`,
    expiresAt: clock.now() + LIFETIME,
    refreshedAt: clock.now(),
    generation: 1,
    versionId,
  });
  return { clock, cache, facts };
}

describe('Class: TokenCache', () => {
  it('keeps the refresh point of a re-read of the cached version', () => {
    const { cache, facts } = setup();
    const first = cache.adopt(cache.know(facts('v1')));
    const reread = new TokenCache({ clock: new ManualClock(), policy: new RefreshPolicy(), random: () => 0.9 });
    expect(reread.know(facts('v1')).refreshPoint).not.toBe(first.refreshPoint);
    expect(cache.know({ ...facts('v1') }).refreshPoint).toBe(first.refreshPoint);
  });

  it('serves the cached token until it drops below the minimum validity, not after an invalidation', () => {
    const { clock, cache, facts } = setup();
    const known = cache.adopt(cache.know(facts('v1')));
    expect(cache.usable(clock.now())).toBe(known);
    expect(cache.invalidate('some-other-token')).toBe(false);
    expect(cache.invalidate(known.token)).toBe(true);
    expect(cache.usable(clock.now())).toBeUndefined();
    expect(cache.fallback(known, undefined)).toBeUndefined();
  });

  it('calls a token fresh only before its refresh point', () => {
    const { clock, cache, facts } = setup();
    const known = cache.adopt(cache.know(facts('v1')));
    expect(cache.isFresh(known, undefined)).toBe(true);
    expect(cache.isFresh(known, 'v1')).toBe(false);
    clock.advance(known.refreshPoint - clock.now());
    expect(cache.isFresh(known, undefined)).toBe(false);
    expect(cache.checkDue(known, clock.now())).toBe(true);
  });

  it('defers background checks for the given time and reopens them on a fresh token', () => {
    const { clock, cache, facts } = setup();
    const known = cache.adopt(cache.know(facts('v1')));
    clock.advance(known.refreshPoint - clock.now());
    cache.deferChecks(500);
    expect(cache.checkDue(known, clock.now())).toBe(false);
    clock.advance(500);
    expect(cache.checkDue(known, clock.now())).toBe(true);
    cache.deferChecks(500);
    cache.adopt(cache.know(facts('v2')));
    expect(cache.checkDue(known, clock.now())).toBe(true);
  });

  it('reports the fleet back-off only until its retry time, and allows one read per quiet period', () => {
    const { clock, cache } = setup();
    cache.learnFailure({ reason: 'threw', errorName: 'Error', failureCount: 1, retryNotBefore: clock.now() + 1_000 });
    expect(cache.activeBackoff()?.failureCount).toBe(1);
    expect(cache.mayReadDuringBackoff(200)).toBe(true);
    expect(cache.mayReadDuringBackoff(200)).toBe(false);
    clock.advance(200);
    expect(cache.mayReadDuringBackoff(200)).toBe(true);
    clock.advance(800);
    expect(cache.activeBackoff()).toBeUndefined();
    expect(cache.fleetFailure?.failureCount).toBe(1);
    cache.learnFailure(undefined);
    expect(cache.fleetFailure).toBeUndefined();
  });
});
