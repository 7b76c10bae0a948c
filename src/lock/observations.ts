import type { LockRecord } from './record.js';

/** What a contender has seen of a held lock: one record version, and since when (its monotonic clock). */
export interface Observation {
  rvn: string;
  holder: string | undefined;
  fence: number;
  /** The holder's promised lease. */
  leaseMs: number;
  /** Monotonic time at which a read that returned this version completed for the first time. */
  firstSeenAt: number;
}

/**
 * Remembers, per lock name, the record version last seen and since when, so that a contender can
 * tell that a holder stopped renewing without trusting anyone's wall clock. Bounded (least recently
 * used names are forgotten), and it persists across `tryAcquire` calls so that repeated
 * non-blocking tries converge on a dead lock.
 */
export class ObservationLog {
  readonly #capacity: number;
  readonly #entries = new Map<string, Observation>();

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Records a read that completed at monotonic time `at`. A version seen before keeps its first
   * sighting; a new version restarts the count. A free lock (no holder) is forgotten.
   */
  observe(name: string, record: LockRecord | undefined, at: number, fallbackLeaseMs: number): Observation | undefined {
    const previous = this.#entries.get(name);
    this.#entries.delete(name);
    if (record?.owner === undefined || record.rvn === undefined) return undefined;
    const observation =
      previous?.rvn === record.rvn
        ? previous
        : { rvn: record.rvn, holder: record.owner, fence: record.fence, leaseMs: record.leaseMs ?? fallbackLeaseMs, firstSeenAt: at };
    this.#entries.set(name, observation);
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    return observation;
  }

  get(name: string): Observation | undefined {
    return this.#entries.get(name);
  }

  forget(name: string): void {
    this.#entries.delete(name);
  }

  /**
   * Monotonic ms from `now` until the observed version has stood its full lease (0 or less: it has).
   * The one computation behind both {@link expiredVersion} and the waiter's next read: computed
   * apart, `first + lease - now` can round to 0 where `now - first` is still short of `lease`, and
   * the waiter would sleep a whole poll interval past the takeover instant.
   */
  msUntilExpired(name: string, now: number): number | undefined {
    const observation = this.#entries.get(name);
    return observation === undefined ? undefined : observation.leaseMs - (now - observation.firstSeenAt);
  }

  /** The version that may be taken over at monotonic time `now`: seen unchanged for its full lease. */
  expiredVersion(name: string, now: number): string | undefined {
    const left = this.msUntilExpired(name, now);
    return left !== undefined && left <= 0 ? this.#entries.get(name)?.rvn : undefined;
  }
}
