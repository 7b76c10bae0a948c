import { describe, expect, it } from 'vitest';
import { TokenCache, type KnownToken } from '../../src/refresher/token-cache.js';
import { ManualClock } from '../support/manual-clock.js';

// A policy simple enough to compute by hand: the refresh point is 100 ms + jitter × 100 ms before
// expiry, and a token is usable until 10 ms before it.
const policy = {
  refreshPoint: ({ expiresAt }: { expiresAt: number }, jitter: number) => expiresAt - 100 - jitter * 100,
  isUsable: (known: { expiresAt: number }, now: number) => now < known.expiresAt - 10,
};

function setup(jitter = 0.5) {
  const clock = new ManualClock(1_000_000);
  let nextJitter = jitter;
  const cache = new TokenCache({ clock, policy, random: () => nextJitter });
  const at = clock.now();
  const facts = (versionId: string, expiresIn: number, token = `t-${versionId}`) => ({
    token,
    versionId,
    generation: Number(versionId.replace(/\D/g, '')) || 1,
    expiresAt: at + expiresIn,
    refreshedAt: at - 1_000,
  });
  return { clock, cache, at, facts, setJitter: (value: number) => (nextJitter = value) };
}

describe('Class: TokenCache (rules)', () => {
  it('derives lifetime and refresh point from the facts, and keeps the point of a re-read cached version', () => {
    const { cache, at, facts, setJitter } = setup(0.5);
    const first = cache.know(facts('v1', 1_000));
    expect(first).toEqual({ token: 't-v1', versionId: 'v1', generation: 1, expiresAt: at + 1_000, lifetimeMs: 2_000, refreshPoint: at + 850 });
    expect(cache.current).toBeUndefined();
    cache.adopt(first);
    setJitter(0);
    expect(cache.know(facts('v1', 1_000)).refreshPoint).toBe(at + 850);
    expect(cache.know(facts('v2', 1_000)).refreshPoint).toBe(at + 900);
  });

  it('keeps the adopted object for a version it already holds and replaces it for another', () => {
    const { cache, facts } = setup();
    const first = cache.adopt(cache.know(facts('v1', 1_000)));
    const again = cache.adopt({ ...first });
    expect(again).toBe(first);
    expect(cache.current).toBe(first);
    const second = cache.know(facts('v2', 2_000));
    expect(cache.adopt(second)).toBe(second);
    expect(cache.current).toBe(second);
  });

  it('reopens deferred checks when it adopts a token before its refresh point, and only then', () => {
    const { cache, clock, at, facts } = setup(0);
    const due = cache.adopt(cache.know(facts('v1', 50)));
    cache.deferChecks(1_000);
    expect(cache.checkDue(due, at + 60)).toBe(false);
    cache.adopt(cache.know(facts('v2', 100)));
    expect(cache.checkDue(due, at + 60)).toBe(false);
    const fresh = cache.adopt(cache.know(facts('v3', 101)));
    expect(fresh.refreshPoint).toBe(at + 1);
    expect(cache.checkDue(due, at + 60)).toBe(true);
    cache.deferChecks(1_000);
    clock.advance(1);
    cache.adopt(cache.know(facts('v4', 101)));
    expect(cache.checkDue(due, at + 60)).toBe(false);
  });

  it('calls a check due only at the refresh point and once the deferral has passed', () => {
    const { cache, clock, at, facts } = setup(0);
    const known = cache.adopt(cache.know(facts('v1', 1_000)));
    expect(cache.checkDue(known, at + 899)).toBe(false);
    expect(cache.checkDue(known, at + 900)).toBe(true);
    cache.deferChecks(30);
    clock.advance(29);
    expect(cache.checkDue(known, at + 900)).toBe(false);
    clock.advance(1);
    expect(cache.checkDue(known, at + 900)).toBe(true);
    expect(cache.checkDue(known, at + 899)).toBe(false);
  });

  it('invalidates only the token it holds, and then serves it neither as usable, fresh nor fallback', () => {
    const { cache, facts } = setup();
    expect(cache.invalidate('t-v1')).toBe(false);
    const known = cache.adopt(cache.know(facts('v1', 1_000)));
    expect(cache.invalidate('someone-else')).toBe(false);
    expect(cache.invalidated).toBeUndefined();
    expect(cache.usable(known.expiresAt - 500)).toBe(known);
    expect(cache.invalidate('t-v1')).toBe(true);
    expect(cache.invalidated).toBe('v1');
    expect(cache.usable(known.expiresAt - 500)).toBeUndefined();
    expect(cache.isFresh(known, undefined)).toBe(false);
    expect(cache.fallback(known, undefined)).toBeUndefined();
  });

  it('calls a token usable only while the policy does, and nothing usable before a token is known', () => {
    const { cache, facts } = setup();
    expect(cache.usable(0)).toBeUndefined();
    const known = cache.adopt(cache.know(facts('v1', 1_000)));
    expect(cache.usable(known.expiresAt - 11)).toBe(known);
    expect(cache.usable(known.expiresAt - 10)).toBeUndefined();
  });

  it('calls a token fresh before its refresh point unless it is the version to replace', () => {
    const { cache, clock, facts } = setup(0);
    const known = cache.know(facts('v1', 1_000));
    expect(cache.isFresh(known, undefined)).toBe(true);
    expect(cache.isFresh(known, 'v2')).toBe(true);
    expect(cache.isFresh(known, 'v1')).toBe(false);
    clock.advance(899);
    expect(cache.isFresh(known, undefined)).toBe(true);
    clock.advance(1);
    expect(cache.isFresh(known, undefined)).toBe(false);
    const unusable = { ...known, refreshPoint: Number.POSITIVE_INFINITY, expiresAt: clock.now() + 10 };
    expect(cache.isFresh(unusable, undefined)).toBe(false);
  });

  it('falls back to the token read first, then the cached one, skipping the version to replace and unusable ones', () => {
    const { cache, clock, facts } = setup();
    const cached = cache.adopt(cache.know(facts('v1', 1_000)));
    const read = cache.know(facts('v2', 2_000));
    expect(cache.fallback(read, undefined)).toBe(read);
    expect(cache.fallback(undefined, undefined)).toBe(cached);
    expect(cache.fallback(read, 'v2')).toBe(cached);
    expect(cache.fallback(read, 'v1')).toBe(read);
    clock.advance(990);
    expect(cache.fallback(read, undefined)).toBe(read);
    expect(cache.fallback(undefined, undefined)).toBeUndefined();
    const known: KnownToken | undefined = cache.fallback(read, 'v2');
    expect(known).toBeUndefined();
  });

  it('reports a learned back-off only until its retry time, keeping only the record fields, and forgets it on undefined', () => {
    const { cache, clock, at } = setup();
    expect(cache.activeBackoff()).toBeUndefined();
    cache.learnFailure({ reason: 'network', errorName: 'RefreshFailedError', failureCount: 2, retryNotBefore: at + 100, extra: 1 } as never);
    expect(cache.fleetFailure).toEqual({ reason: 'network', errorName: 'RefreshFailedError', failureCount: 2, retryNotBefore: at + 100 });
    clock.advance(99);
    expect(cache.activeBackoff()).toEqual(cache.fleetFailure);
    clock.advance(1);
    expect(cache.activeBackoff()).toBeUndefined();
    expect(cache.fleetFailure).toBeDefined();
    cache.learnFailure(undefined);
    expect(cache.fleetFailure).toBeUndefined();
  });

  it('allows one read per quiet period during a back-off', () => {
    const { cache, clock } = setup();
    expect(cache.mayReadDuringBackoff(50)).toBe(true);
    expect(cache.mayReadDuringBackoff(50)).toBe(false);
    clock.advance(49);
    expect(cache.mayReadDuringBackoff(50)).toBe(false);
    clock.advance(1);
    expect(cache.mayReadDuringBackoff(50)).toBe(true);
  });
});
