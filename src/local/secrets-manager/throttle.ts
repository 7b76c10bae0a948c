import { EmulatorConfigurationError } from './errors.js';
import type { OperationName } from './wire.js';

/**
 * AWS's request-rate quotas (SM-QUOTA-8), per account and Region: operations in one group share
 * one budget. Rates are requests per second.
 *
 * @example
 * ```ts
 * throttleGroups.writes.ratePerSecond; // 50
 * ```
 */
export const throttleGroups = {
  /** GetSecretValue + DescribeSecret: 10,000 TPS on the current quota page. */
  reads: { operations: ['GetSecretValue', 'DescribeSecret'], ratePerSecond: 10_000 },
  /** PutSecretValue + UpdateSecret + UpdateSecretVersionStage (+ replication calls): 50 TPS. */
  writes: {
    operations: [
      'PutSecretValue',
      'UpdateSecret',
      'UpdateSecretVersionStage',
      'ReplicateSecretToRegions',
      'RemoveRegionsFromReplication',
      'StopReplicationToReplica',
    ],
    ratePerSecond: 50,
  },
  create: { operations: ['CreateSecret'], ratePerSecond: 50 },
  delete: { operations: ['DeleteSecret'], ratePerSecond: 50 },
  restore: { operations: ['RestoreSecret'], ratePerSecond: 50 },
  rotate: { operations: ['RotateSecret'], ratePerSecond: 50 },
  tags: { operations: ['TagResource', 'UntagResource'], ratePerSecond: 50 },
  lists: { operations: ['ListSecrets', 'ListSecretVersionIds'], ratePerSecond: 50 },
  batchGet: { operations: ['BatchGetSecretValue'], ratePerSecond: 100 },
} as const satisfies Record<string, { operations: readonly OperationName[]; ratePerSecond: number }>;

/** A throttle group's name, e.g. `writes`. */
export type ThrottleGroupName = keyof typeof throttleGroups;

/**
 * A token bucket: holds up to `burst` tokens, refills at `ratePerSecond`, and each request takes
 * one. AWS does not publish its burst size; one second's worth is the emulator's choice.
 *
 * @example
 * ```ts
 * const bucket = new TokenBucket(50, 50, () => performance.now());
 * if (!bucket.tryTake()) answerThrottled();
 * ```
 */
export class TokenBucket {
  #tokens: number;
  #updatedAt: number;

  readonly #ratePerSecond: number;
  readonly #burst: number;
  readonly #now: () => number;

  constructor(ratePerSecond: number, burst: number, now: () => number) {
    this.#ratePerSecond = ratePerSecond;
    this.#burst = burst;
    this.#now = now;
    this.#tokens = burst;
    this.#updatedAt = now();
  }

  /** Takes a token if one is available. */
  tryTake(): boolean {
    const now = this.#now();
    const elapsed = Math.max(0, now - this.#updatedAt);
    this.#updatedAt = now;
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#ratePerSecond) / 1000);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** Options for {@link Throttle}. */
export interface ThrottleOptions {
  /** Requests per second per group; `0` or `Infinity` turns a group's throttle off. */
  ratesPerSecond?: Partial<Record<ThrottleGroupName, number>>;
  /** Monotonic milliseconds; inject a frozen or virtual clock for deterministic tests. */
  now?: () => number;
}

/**
 * Per-group token buckets at AWS's rates.
 *
 * @example
 * ```ts
 * const throttle = new Throttle({ ratesPerSecond: { writes: 50 } });
 * throttle.admit('PutSecretValue'); // false once the bucket is empty
 * ```
 */
export class Throttle {
  readonly #buckets = new Map<OperationName, TokenBucket>();
  readonly #rates: Record<ThrottleGroupName, number>;
  readonly #now: () => number;

  constructor(options: ThrottleOptions = {}) {
    this.#now = options.now ?? (() => performance.now());
    const rates = {} as Record<ThrottleGroupName, number>;
    for (const name of Object.keys(throttleGroups) as ThrottleGroupName[]) {
      const rate = options.ratesPerSecond?.[name] ?? throttleGroups[name].ratePerSecond;
      if (typeof rate !== 'number' || Number.isNaN(rate) || rate < 0) {
        throw new EmulatorConfigurationError(
          `The rate limit of throttle group ${name} must be a number of requests per second ≥ 0 (0 or Infinity turns it off); got ${String(rate)}.`,
        );
      }
      rates[name] = rate;
    }
    this.#rates = rates;
    this.reset();
  }

  /** The configured rate of each group (requests per second; 0 or Infinity = off). */
  get ratesPerSecond(): Readonly<Record<ThrottleGroupName, number>> {
    return this.#rates;
  }

  /** Whether a call to `operation` may proceed now (taking a token if so). */
  admit(operation: OperationName): boolean {
    const bucket = this.#buckets.get(operation);
    return bucket === undefined || bucket.tryTake();
  }

  /** Refills every bucket. */
  reset(): void {
    this.#buckets.clear();
    for (const [name, group] of Object.entries(throttleGroups) as [ThrottleGroupName, (typeof throttleGroups)[ThrottleGroupName]][]) {
      const rate = this.#rates[name];
      if (rate === 0 || rate === Number.POSITIVE_INFINITY) continue;
      const bucket = new TokenBucket(rate, Math.max(1, rate), this.#now);
      for (const operation of group.operations) this.#buckets.set(operation, bucket);
    }
  }
}
