import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/shared/errors.js';
import { RefreshPolicy } from '../../src/token/policy.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

describe('Class: RefreshPolicy', () => {
  const policy = new RefreshPolicy();

  it.each([
    [3 * SECOND, 1.5 * SECOND, 0.3 * SECOND],
    [10 * MINUTE, 5 * MINUTE, 30 * SECOND],
    [HOUR, 5 * MINUTE, 30 * SECOND],
    [24 * HOUR, 5 * MINUTE, 30 * SECOND],
  ])('for a %d ms token uses a %d ms window and %d ms minimum validity', (lifetime, window, minValidity) => {
    expect(policy.windowMs(lifetime)).toBe(window);
    expect(policy.minValidityMs(lifetime)).toBe(minValidity);
  });

  it.each([2 * SECOND, 3 * SECOND, MINUTE, HOUR, 24 * HOUR])(
    'leaves more than the minimum validity after the latest refresh point of a %d ms token',
    (lifetime) => {
      const timing = { expiresAt: 10 * 24 * HOUR, lifetimeMs: lifetime };
      const earliest = policy.refreshPoint(timing, 0);
      const latest = policy.refreshPoint(timing, 0.999_999);
      expect(timing.expiresAt - earliest).toBeCloseTo(policy.windowMs(lifetime), 3);
      expect(timing.expiresAt - latest).toBeGreaterThan(policy.minValidityMs(lifetime));
      expect(earliest).toBeGreaterThanOrEqual(timing.expiresAt - lifetime / 2);
      expect(latest).toBeGreaterThan(earliest);
    },
  );

  it('spreads refresh points with the jitter', () => {
    const timing = { expiresAt: HOUR, lifetimeMs: HOUR };
    expect(policy.refreshPoint(timing, 0.5)).toBe(HOUR - 5 * MINUTE + 1.25 * MINUTE);
  });

  it('judges usability by the minimum validity', () => {
    const timing = { expiresAt: HOUR, lifetimeMs: HOUR };
    expect(policy.isUsable(timing, HOUR - 30 * SECOND)).toBe(true);
    expect(policy.isUsable(timing, HOUR - 30 * SECOND + 1)).toBe(false);
    expect(policy.isUsable({ expiresAt: HOUR, lifetimeMs: 0 }, 0)).toBe(false);
  });

  it('estimates the versions a day, warning territory below about 17 minutes', () => {
    expect(policy.versionsPerDay(HOUR)).toBeCloseTo(86_400_000 / (HOUR - 3.75 * MINUTE));
    expect(policy.versionsPerDay(HOUR)).toBeLessThan(90);
    expect(policy.versionsPerDay(15 * MINUTE)).toBeGreaterThan(90);
  });

  it('rejects a minimum validity that does not fit in half the window', () => {
    expect(() => new RefreshPolicy({ refreshWindowMs: MINUTE, minValidityMs: 30 * SECOND })).toThrow(ConfigurationError);
    expect(() => new RefreshPolicy({ refreshWindowMs: MINUTE, minValidityMs: 30 * SECOND })).toThrow(/minValidityMs/);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('rejects refreshWindowMs=%d', (value) => {
    expect(() => new RefreshPolicy({ refreshWindowMs: value })).toThrow(/refreshWindowMs/);
  });
});
