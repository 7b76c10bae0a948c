/**
 * "Full jitter" backoff: before retry `n` (1-based) wait a uniformly random time in
 * `[0, min(maxDelayMs, minDelayMs · 2^(n-1)))`. Spreads a fleet's retries over the whole window
 * instead of synchronising them (AWS Architecture Blog, "Exponential Backoff And Jitter").
 */
export function fullJitterDelay(retry: number, bounds: { minDelayMs: number; maxDelayMs: number }, random: () => number): number {
  const cap = Math.min(bounds.maxDelayMs, bounds.minDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * cap);
}

/**
 * Parses `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, relative to `now` (epoch
 * ms). Returns `undefined` for a missing or unparsable value, never a negative delay.
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date) || !/[a-z]/i.test(text)) return undefined;
  return Math.max(0, date - now);
}
