import { LatencyHistogram } from './histogram.js';
import { decodeIssuedToken, type IssuedTokenClaims } from './issued-token.js';
import type { WorkerBin } from './protocol.js';
import type { ServedToken, TokenSource } from './strategies/types.js';

/**
 * Measures what callers were served: latency (all calls, and calls answered from memory), the
 * validity left on each token read from the token itself, tokens served expired or older than one
 * the same process already had, errors by name, and per-bin counts for the chart. A worker process
 * keeps one; the fleet simulation keeps one for the whole fleet (processes are told apart by `process`).
 *
 * @example
 * ```ts
 * const recorder = new CallRecorder({ minValidityMs: 1_000, binMs: 1_000 });
 * recorder.start(Date.now());
 * recorder.served(0, await strategy.getToken(), elapsedMs, Date.now());
 * ```
 */
export class CallRecorder {
  readonly latency = new LatencyHistogram();
  readonly latencyWhileValid = new LatencyHistogram();
  readonly errors: Record<string, number> = {};
  readonly sources: Record<TokenSource, number> = { memory: 0, secret: 0, refreshed: 0 };
  /** Token sequence → when it was first served. */
  readonly firstServed = new Map<number, number>();
  calls = 0;
  servedExpired = 0;
  servedBelowMinValidity = 0;
  minRemainingMs: number | null = null;
  olderAfterNewer = 0;
  readonly #highestSeq = new Map<number, number>();
  readonly #bins = new Map<number, { calls: number; errors: number; latency: LatencyHistogram }>();
  #startAt = 0;

  readonly #options: { minValidityMs: number; binMs: number };

  constructor(options: { minValidityMs: number; binMs: number }) {
    this.#options = options;
  }

  /** Sets the origin of the time bins (the run's start). */
  start(at: number): void {
    this.#startAt = at;
  }

  /**
   * Records one successful call of `process`, answered after `elapsedMs`, at epoch ms `now`. The
   * token's sequence and expiry are read from the token (an issued token of the load test) unless
   * given, e.g. the generation and expiry the refresher reported for an opaque OAuth token.
   */
  served(
    process: number,
    served: ServedToken,
    elapsedMs: number,
    now: number,
    claims: IssuedTokenClaims | undefined = decodeIssuedToken(served.token),
  ): void {
    this.calls += 1;
    this.latency.record(elapsedMs);
    const bin = this.#binAt(now);
    bin.calls += 1;
    bin.latency.record(elapsedMs);
    this.sources[served.source] += 1;
    if (served.source === 'memory') this.latencyWhileValid.record(elapsedMs);
    if (claims === undefined) {
      this.error('UnrecognisedTokenServed', now);
      return;
    }
    const remaining = claims.exp - now;
    if (this.minRemainingMs === null || remaining < this.minRemainingMs) this.minRemainingMs = remaining;
    if (remaining <= 0) this.servedExpired += 1;
    if (remaining < this.#options.minValidityMs) this.servedBelowMinValidity += 1;
    const highest = this.#highestSeq.get(process) ?? 0;
    if (claims.seq < highest) this.olderAfterNewer += 1;
    else this.#highestSeq.set(process, claims.seq);
    if (!this.firstServed.has(claims.seq)) this.firstServed.set(claims.seq, now);
  }

  /** Records a call that failed with an error named `name`. */
  error(name: string, now: number): void {
    this.errors[name] = (this.errors[name] ?? 0) + 1;
    this.#binAt(now).errors += 1;
  }

  /** Removes and returns the bins that ended by `now` (all of them when `now` is omitted). */
  takeBins(now = Number.POSITIVE_INFINITY): WorkerBin[] {
    const closed: WorkerBin[] = [];
    for (const [start, bin] of this.#bins) {
      if (start + this.#options.binMs <= now) {
        closed.push({ start, calls: bin.calls, errors: bin.errors, latency: bin.latency.toJSON() });
        this.#bins.delete(start);
      }
    }
    return closed.sort((a, b) => a.start - b.start);
  }

  #binAt(at: number): { calls: number; errors: number; latency: LatencyHistogram } {
    const start = this.#startAt + Math.floor((at - this.#startAt) / this.#options.binMs) * this.#options.binMs;
    let bin = this.#bins.get(start);
    if (bin === undefined) {
      bin = { calls: 0, errors: 0, latency: new LatencyHistogram() };
      this.#bins.set(start, bin);
    }
    return bin;
  }
}
