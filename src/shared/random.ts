import { ConfigurationError } from './errors.js';

/**
 * A seeded pseudo-random generator (mulberry32): the same seed gives the same sequence, so fault
 * schedules, jitter in benchmarks and simulated fleets can be replayed exactly. Not for secrets or
 * ids that must be unpredictable — use `node:crypto` for those.
 *
 * The seed is taken modulo 2^32, so any integer (negative, or the result of `^`) is accepted.
 *
 * @param seed - A finite number; its low 32 bits select the sequence.
 * @returns A function returning the next number in `[0, 1)` on each call.
 * @throws {ConfigurationError} When `seed` is not a finite number (NaN would silently become 0).
 *
 * @example
 * ```ts
 * const random = seededRandom(42);
 * const dropThisResponse = random() < 0.1; // the same decision on every run with seed 42
 * ```
 */
export function seededRandom(seed: number): () => number {
  if (!Number.isFinite(seed)) throw new ConfigurationError(`seededRandom: seed must be a finite number, got ${String(seed)}.`);
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}
