import type { AttributeUpdate, LockRecord } from './record.js';

/** A conditional write that takes the lock: applied only when one of its conditions holds. */
export interface AcquireWrite {
  name: string;
  owner: string;
  /** The fresh record version of this write. */
  rvn: string;
  /**
   * Record versions this caller wrote itself and whose outcome it does not know (including `rvn`):
   * finding one of them means an earlier attempt landed, so the write is ours to repeat.
   */
  ownRvns: readonly string[];
  leaseMs: number;
  expiresAt: number;
  ttl?: number;
  /** Stored only when the item is created: the epoch of its fences. */
  epoch: string;
  /** Strict takeover: the record version this caller saw unchanged for a full lease. */
  takeoverRvn?: string;
  /** Opt-in fast takeover: a holder whose `expiresAt` is before this wall time is taken over. */
  expiredBefore?: number;
}

/** A conditional write that extends a lease the caller holds. */
export interface RenewWrite {
  name: string;
  owner: string;
  rvn: string;
  /** The record versions that may be current: the last confirmed one, any of unknown outcome, and `rvn`. */
  expectedRvns: readonly string[];
  leaseMs: number;
  expiresAt: number;
  ttl?: number;
  /** Non-secret attributes written in the same conditional write (`null` removes one). */
  attributes?: AttributeUpdate;
}

/** A conditional write that releases a lease the caller holds, optionally committing attributes. */
export interface ReleaseWrite {
  name: string;
  /** The record version the release leaves behind, so that a repeated or lost release is recognised. */
  rvn: string;
  expectedRvns: readonly string[];
  ttl?: number;
  attributes?: AttributeUpdate;
}

/**
 * The result of a conditional write. On a refused condition, `record` is the item as it stands
 * (from the failed write's response when the service returns it, otherwise from a consistent read).
 */
export type WriteOutcome = { applied: true; record: LockRecord } | { applied: false; record: LockRecord | undefined };

/**
 * The conditional operations the lease protocol needs. Implementations: {@link DynamoDbLockStore}
 * (the real table) and {@link MemoryLockStore} (the same semantics in memory, for unit tests and the
 * fleet simulation).
 *
 * Every method either resolves with the truth or rejects with a `LockUnavailableError` (outcome
 * unknown), a `LockTableError` (misconfiguration) or a `LockError` (a request refused as invalid).
 *
 * @example
 * ```ts
 * const store: LockStore = new MemoryLockStore();
 * const lock = new LeaseLock({ store, clock: virtualClock });
 * ```
 */
export interface LockStore {
  /** A strongly consistent read; `undefined` when the item does not exist. */
  read(name: string, signal?: AbortSignal): Promise<LockRecord | undefined>;
  acquire(write: AcquireWrite): Promise<WriteOutcome>;
  renew(write: RenewWrite): Promise<WriteOutcome>;
  release(write: ReleaseWrite): Promise<WriteOutcome>;
}
