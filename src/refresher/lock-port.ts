/** A committed attribute value in the lock item (never a token). */
export type CommitValue = string | number | boolean;

/**
 * The lease the refresher needs: the subset of `Lease` from `src/lock` it uses. Declared here so
 * that the refresher can be driven by the real `LeaseLock` or by any lock with the same contract
 * (e.g. over an in-memory store in the fleet simulation).
 */
export interface RefreshLease {
  readonly name: string;
  readonly fence: number;
  readonly epoch: string;
  readonly owner: string;
  readonly signal: AbortSignal;
  readonly attributes: Readonly<Record<string, CommitValue>>;
  remainingMs(): number;
  /** Extends the lease, writing `attributes` in the same conditional write when given (`null` removes one). */
  renew(attributes?: Record<string, CommitValue | null>): Promise<void>;
  release(): Promise<'released' | 'notHeld'>;
  commitAndRelease(attributes: Record<string, CommitValue | null>): Promise<void>;
}

/** The lock item as observed: holder, fence and the commit record. */
export interface RefreshLockState {
  readonly name: string;
  readonly holder?: string | undefined;
  readonly fence: number;
  readonly epoch: string;
  readonly leaseMs?: number | undefined;
  readonly expiresAt?: number | undefined;
  readonly attributes: Readonly<Record<string, CommitValue>>;
}

/** The outcome of an acquire: a lease, or the state that made it stop. */
export type RefreshAcquireOutcome = { acquired: true; lease: RefreshLease } | { acquired: false; state: RefreshLockState };

/**
 * The lock contract the refresher relies on (`LeaseLock` from `src/lock` satisfies it):
 * `tryAcquire` costs one write when the lock is free and never waits; `acquire` polls the item with
 * reads and returns `{ acquired: false }` only when `stopWhen` accepts a state, or throws on timeout.
 * Pass one as the `lock` option of `TokenRefresher`, e.g. a `LeaseLock` on a `MemoryLockStore` in
 * unit tests.
 *
 * @example
 * ```ts
 * const lock: RefreshLock = new LeaseLock({ store: new MemoryLockStore() });
 * const refresher = new TokenRefresher({ secretId: 'app/token', refresh, lock });
 * ```
 */
export interface RefreshLock {
  tryAcquire(name: string, options?: { leaseMs?: number }): Promise<RefreshAcquireOutcome>;
  acquire(
    name: string,
    options?: { signal?: AbortSignal; timeoutMs?: number; leaseMs?: number; stopWhen?: (state: RefreshLockState) => boolean },
  ): Promise<RefreshAcquireOutcome>;
  inspect(name: string): Promise<RefreshLockState | undefined>;
}
