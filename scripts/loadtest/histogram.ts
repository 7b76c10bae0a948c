/**
 * A latency histogram with logarithmic buckets (each about 2 % wider than the last), small enough to
 * ship from every worker process every half second and merge exactly in the harness.
 * Values are milliseconds; the smallest bucket starts at 0.001 ms (1 µs).
 */
export class LatencyHistogram {
  static readonly #growth = Math.log(1.02);
  static readonly #floorMs = 0.001;

  readonly #buckets = new Map<number, number>();
  #total = 0;
  #maximum = 0;

  /** Records one observation. */
  record(ms: number): void {
    const value = Math.max(ms, LatencyHistogram.#floorMs);
    const index = Math.ceil(Math.log(value / LatencyHistogram.#floorMs) / LatencyHistogram.#growth);
    this.#buckets.set(index, (this.#buckets.get(index) ?? 0) + 1);
    this.#total += 1;
    if (ms > this.#maximum) this.#maximum = ms;
  }

  /** Adds every observation of `other` to this histogram. */
  merge(other: LatencyHistogram | SerializedHistogram): this {
    const source = other instanceof LatencyHistogram ? other.toJSON() : other;
    for (const [index, count] of source.buckets) this.#buckets.set(index, (this.#buckets.get(index) ?? 0) + count);
    this.#total += source.count;
    if (source.maxMs > this.#maximum) this.#maximum = source.maxMs;
    return this;
  }

  get count(): number {
    return this.#total;
  }

  get maxMs(): number {
    return this.#maximum;
  }

  /**
   * The value at quantile `q` (0 < q ≤ 1) as the upper edge of its bucket (so it over-states by at
   * most 2 %, never under-states); capped by the exact maximum; 0 when empty.
   */
  quantile(q: number): number {
    if (this.#total === 0) return 0;
    const rank = Math.ceil(q * this.#total);
    let seen = 0;
    for (const index of [...this.#buckets.keys()].sort((a, b) => a - b)) {
      seen += this.#buckets.get(index) ?? 0;
      if (seen >= rank) return Math.min(LatencyHistogram.#floorMs * Math.exp(index * LatencyHistogram.#growth), this.#maximum);
    }
    return this.#maximum;
  }

  toJSON(): SerializedHistogram {
    return { count: this.#total, maxMs: this.#maximum, buckets: [...this.#buckets.entries()] };
  }

  static from(serialized: SerializedHistogram): LatencyHistogram {
    return new LatencyHistogram().merge(serialized);
  }
}

/** The wire form of a {@link LatencyHistogram}. */
export interface SerializedHistogram {
  count: number;
  maxMs: number;
  buckets: Array<[number, number]>;
}
