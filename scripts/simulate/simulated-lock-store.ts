import {
  LockUnavailableError,
  MemoryLockStore,
  type AcquireWrite,
  type LockRecord,
  type LockStore,
  type ReleaseWrite,
  type RenewWrite,
  type WriteOutcome,
} from '../../src/index.js';
import type { VirtualScheduler } from './scheduler.js';

/** DynamoDB calls the simulated lock table served. */
export interface LockTableCounts {
  reads: number;
  writes: number;
  failedConditionalWrites: number;
  /** Writes by kind (acquire, renew, release), failed ones included. */
  byKind: Record<'acquire' | 'renew' | 'release', number>;
}

/**
 * The lock's own in-memory conditional-write model (`MemoryLockStore`) behind a round trip of
 * `latencyMs` virtual milliseconds, counted like the load test counts DynamoDB calls: a refused
 * conditional write is a failed conditional write and, as on dynalite (which ignores
 * ReturnValuesOnConditionCheckFailure), costs one consistent read to learn the item.
 *
 * @example
 * ```ts
 * const store = new SimulatedLockStore(scheduler, 3, counts, sharedTable);
 * const lock = new LeaseLock({ store, clock: scheduler.clock(), leaseMs: 2_000 });
 * ```
 */
export class SimulatedLockStore implements LockStore {
  readonly #scheduler: VirtualScheduler;
  readonly #latencyMs: number;
  readonly #counts: LockTableCounts;
  readonly #memory: MemoryLockStore;
  readonly #unreachableFor: (() => number | undefined) | undefined;

  constructor(
    scheduler: VirtualScheduler,
    latencyMs: number,
    counts: LockTableCounts,
    /** The table; give every simulated process its own store over one shared table to count per process. */
    memory: MemoryLockStore = new MemoryLockStore(),
    /**
     * While this returns a number, the table's Region is unreachable: every call fails after that
     * many virtual ms with `LockUnavailableError` (kind `unknown`), and nothing is applied.
     */
    unreachableFor?: () => number | undefined,
  ) {
    this.#unreachableFor = unreachableFor;
    this.#scheduler = scheduler;
    this.#latencyMs = latencyMs;
    this.#counts = counts;
    this.#memory = memory;
  }

  read(name: string): Promise<LockRecord | undefined> {
    this.#counts.reads += 1;
    return this.#unreachable(name) ?? this.#roundTrip(() => this.#memory.peek(name));
  }

  acquire(write: AcquireWrite): Promise<WriteOutcome> {
    return this.#write(write.name, 'acquire', () => this.#memory.applyAcquire(write));
  }

  renew(write: RenewWrite): Promise<WriteOutcome> {
    return this.#write(write.name, 'renew', () => this.#memory.applyRenew(write));
  }

  release(write: ReleaseWrite): Promise<WriteOutcome> {
    return this.#write(write.name, 'release', () => this.#memory.applyRelease(write));
  }

  #unreachable(name: string): Promise<never> | undefined {
    const afterMs = this.#unreachableFor?.();
    if (afterMs === undefined) return undefined;
    return new Promise((_, reject) => {
      this.#scheduler.after(afterMs, () => {
        const cause = Object.assign(new Error("connect ETIMEDOUT: the lock table's Region is unreachable"), { name: 'TimeoutError' });
        reject(new LockUnavailableError(name, 'unknown', { cause }));
      });
    });
  }

  #write(name: string, kind: keyof LockTableCounts['byKind'], apply: () => WriteOutcome): Promise<WriteOutcome> {
    const unreachable = this.#unreachable(name);
    if (unreachable !== undefined) {
      this.#counts.writes += 1;
      this.#counts.byKind[kind] += 1;
      return unreachable;
    }
    this.#counts.writes += 1;
    this.#counts.byKind[kind] += 1;
    return this.#roundTrip(apply).then((outcome) => {
      if (!outcome.applied) {
        this.#counts.failedConditionalWrites += 1;
        this.#counts.reads += 1;
      }
      return outcome;
    });
  }

  /** Applies at the middle of the round trip (when the request reaches the table), answers at its end. */
  #roundTrip<T>(apply: () => T): Promise<T> {
    return new Promise((resolve) => {
      this.#scheduler.after(this.#latencyMs / 2, () => {
        const result = apply();
        this.#scheduler.after(this.#latencyMs / 2, () => resolve(result));
      });
    });
  }
}
