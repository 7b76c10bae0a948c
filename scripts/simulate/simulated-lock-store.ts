import {
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

  constructor(
    scheduler: VirtualScheduler,
    latencyMs: number,
    counts: LockTableCounts,
    /** The table; give every simulated process its own store over one shared table to count per process. */
    memory: MemoryLockStore = new MemoryLockStore(),
  ) {
    this.#scheduler = scheduler;
    this.#latencyMs = latencyMs;
    this.#counts = counts;
    this.#memory = memory;
  }

  read(name: string): Promise<LockRecord | undefined> {
    this.#counts.reads += 1;
    return this.#roundTrip(() => this.#memory.peek(name));
  }

  acquire(write: AcquireWrite): Promise<WriteOutcome> {
    return this.#write('acquire', () => this.#memory.applyAcquire(write));
  }

  renew(write: RenewWrite): Promise<WriteOutcome> {
    return this.#write('renew', () => this.#memory.applyRenew(write));
  }

  release(write: ReleaseWrite): Promise<WriteOutcome> {
    return this.#write('release', () => this.#memory.applyRelease(write));
  }

  #write(kind: keyof LockTableCounts['byKind'], apply: () => WriteOutcome): Promise<WriteOutcome> {
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
