import { describe, expect, it } from 'vitest';
import { fullJitterDelay, parseRetryAfter } from '../../src/sources/backoff.js';

const BOUNDS = { minDelayMs: 100, maxDelayMs: 1_000 };

describe('Function: fullJitterDelay', () => {
  it('draws from [0, cap) where the cap doubles per retry up to maxDelayMs', () => {
    const almostOne = () => 0.999_999;
    expect([1, 2, 3, 4, 5, 6].map((retry) => fullJitterDelay(retry, BOUNDS, almostOne))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(fullJitterDelay(3, BOUNDS, () => 0)).toBe(0);
  });

  it('scales the random draw over the whole window', () => {
    expect(fullJitterDelay(2, BOUNDS, () => 0.25)).toBe(50);
  });
});

describe('Function: parseRetryAfter', () => {
  const now = Date.UTC(2030, 0, 1, 12, 0, 0);

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('7', now)).toBe(7_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP-date relative to now, never negative', () => {
    expect(parseRetryAfter('Tue, 01 Jan 2030 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 01 Jan 2030 11:00:00 GMT', now)).toBe(0);
  });

  it('ignores a missing or unparsable value', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
  });
});
