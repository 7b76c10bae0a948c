import { LockUnavailableError } from '../../src/lock/errors.js';
import type { MemoryLockStore } from '../../src/lock/memory-store.js';
import type { LockRecord } from '../../src/lock/record.js';
import type { AcquireWrite, ReleaseWrite, RenewWrite, WriteOutcome } from '../../src/lock/store.js';
import type { TableEndpoint } from './simulated-store.js';
import type { VirtualTime } from './virtual-time.js';

/** The Regions of the model's global table: three full replicas. */
export const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2'] as const;
export type Region = (typeof REGIONS)[number];

export interface MultiRegionTableOptions {
  time: VirtualTime;
  /** The one logical item state every replica agrees on (multi-Region strong consistency). */
  table: MemoryLockStore;
  /**
   * How long a write applied through one Region keeps the item busy for the others (true ms): a
   * write to the same item arriving from another Region within it fails with
   * `ReplicatedWriteConflictException`, not applied (on an `eventual` table: the replication lag).
   * Default 0 (no window conflicts).
   */
  conflictWindowMs?: number;
  /** Decides, per write reaching a Region, whether it fails with an injected conflict (not applied). */
  injectConflict?: (region: Region) => boolean;
  /**
   * `strong` (MRSC, the default) or `eventual`: a crude model of the default mode (MREC) for negative
   * tests, in which, within the window of another Region's last write, a Region still reads the item
   * as it was before that write, evaluates conditions against that stale copy, and the last writer wins.
   */
  consistency?: 'strong' | 'eventual';
}

/** What the model did, for a simulation to show that it exercised it. */
export interface MultiRegionCounts {
  /** Writes refused because another Region wrote the item within the window. */
  windowConflicts: number;
  /** Writes refused by an injected conflict. */
  injectedConflicts: number;
  /** Regions taken down. */
  regionLosses: number;
  /** Requests refused because their Region was down. */
  unreachable: number;
}

/**
 * A DynamoDB global table in multi-Region strong consistency (MRSC) mode, as the lock sees it:
 * one logical item state, with three Region endpoints in front of it.
 *
 * - A conditional write through any Region is evaluated against the latest item, and a strongly
 *   consistent read in any Region returns the latest committed item: every endpoint reads and
 *   applies on the one shared {@link MemoryLockStore}.
 * - A write that meets a concurrent write to the same item from another Region (within
 *   `conflictWindowMs` of it) fails as `ReplicatedWriteConflictException` does: not applied, and
 *   surfaced the way `DynamoDbLockStore` surfaces it, `LockUnavailableError` of kind `conflict`.
 *   Conflicts can also be injected.
 * - A lost Region refuses every request (`LockUnavailableError` of kind `unknown`, not applied)
 *   while the other two, a majority, keep serving.
 *
 * With `consistency: 'eventual'` it is instead a crude MREC table, for negative tests only.
 *
 * Latency, lost responses and SDK retries come from the {@link SimulatedStore} each process puts
 * in front of its own Region's endpoint.
 *
 * @example
 * ```ts
 * const global = new MultiRegionTable({ time, table: new MemoryLockStore(), conflictWindowMs: 20 });
 * const store = new SimulatedStore({ time, table: global.endpoint('us-east-2'), clock });
 * global.lose('us-west-2');
 * ```
 */
export class MultiRegionTable {
  readonly #options: MultiRegionTableOptions;
  readonly #down = new Set<Region>();
  /** The last write applied to each item: through which Region, and when (true ms). */
  readonly #lastWrite = new Map<string, { region: Region; at: number; before: LockRecord | undefined }>();
  readonly counts: MultiRegionCounts = { windowConflicts: 0, injectedConflicts: 0, regionLosses: 0, unreachable: 0 };

  constructor(options: MultiRegionTableOptions) {
    this.#options = options;
  }

  /** Makes `region` unreachable until {@link restore}. */
  lose(region: Region): void {
    if (!this.#down.has(region)) this.counts.regionLosses += 1;
    this.#down.add(region);
  }

  restore(region: Region): void {
    this.#down.delete(region);
  }

  isDown(region: Region): boolean {
    return this.#down.has(region);
  }

  /** The endpoint a process in `region` talks to. */
  endpoint(region: Region): TableEndpoint {
    const { table } = this.#options;
    return {
      peek: (name) => {
        this.#reach(region, name);
        const stale = this.#staleFor(region, name);
        return stale === undefined ? table.peek(name) : stale.before;
      },
      applyAcquire: (write: AcquireWrite) => this.#write(region, write.name, () => table.applyAcquire(write)),
      applyRenew: (write: RenewWrite) => this.#write(region, write.name, () => table.applyRenew(write)),
      applyRelease: (write: ReleaseWrite) => this.#write(region, write.name, () => table.applyRelease(write)),
    };
  }

  #reach(region: Region, name: string): void {
    if (!this.#down.has(region)) return;
    this.counts.unreachable += 1;
    throw new LockUnavailableError(name, 'unknown', { cause: fault('UnknownEndpoint', `Region ${region} is unreachable`) });
  }

  /** Another Region's write to `name` still within the window, if any. */
  #recentWriteElsewhere(region: Region, name: string): { region: Region; before: LockRecord | undefined } | undefined {
    const { time, conflictWindowMs = 0 } = this.#options;
    const last = this.#lastWrite.get(name);
    return last !== undefined && last.region !== region && time.now - last.at < conflictWindowMs ? last : undefined;
  }

  /** The item as `region` reads it: the latest, except within another Region's window on an eventually consistent table. */
  #staleFor(region: Region, name: string): { before: LockRecord | undefined } | undefined {
    return this.#options.consistency === 'eventual' ? this.#recentWriteElsewhere(region, name) : undefined;
  }

  #write(region: Region, name: string, apply: () => WriteOutcome): WriteOutcome {
    this.#reach(region, name);
    const { time, table, injectConflict, consistency = 'strong' } = this.#options;
    if (consistency === 'strong') {
      const other = this.#recentWriteElsewhere(region, name);
      if (other !== undefined || injectConflict?.(region) === true) {
        if (other !== undefined) this.counts.windowConflicts += 1;
        else this.counts.injectedConflicts += 1;
        const cause = fault(
          'ReplicatedWriteConflictException',
          `write to ${name} through ${region} conflicted with ${other === undefined ? 'another Region' : `a write through ${other.region}`}`,
        );
        throw new LockUnavailableError(name, 'conflict', { cause });
      }
    }
    const before = table.peek(name);
    const stale = this.#staleFor(region, name);
    // Eventual consistency: this Region's copy has not seen the other write yet. The condition is
    // evaluated on that copy and, if it applies, the write replaces the other one (the last writer wins).
    if (stale !== undefined) table.put(name, stale.before);
    const outcome = apply();
    if (stale !== undefined && !outcome.applied) table.put(name, before);
    // A refused condition is a read of the item: only an applied write keeps it busy for the others.
    if (outcome.applied) this.#lastWrite.set(name, { region, at: time.now, before });
    return outcome;
  }
}

function fault(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}
