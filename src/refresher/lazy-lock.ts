import type { RefreshAcquireOutcome, RefreshLock, RefreshLockState } from './lock-port.js';

/** A lock the refresher owns and closes with itself. */
export type OwnedLock = RefreshLock & { close(): Promise<void> };

/**
 * A lock whose code is loaded by its first call rather than at import: most Lambda invocations only
 * read the secret, so the lease lock's modules (a third of the library) would otherwise weigh on
 * every cold start. Its options are checked by whoever builds it, up front, as for an eager lock.
 *
 * @example
 * ```ts
 * const lock = new LazyLock(async () => new (await import('../lock/lease-lock.js')).LeaseLock(options));
 * ```
 */
export class LazyLock implements OwnedLock {
  readonly #load: () => Promise<OwnedLock>;
  #loading: Promise<OwnedLock> | undefined;

  constructor(load: () => Promise<OwnedLock>) {
    this.#load = load;
  }

  async tryAcquire(name: string, options?: { leaseMs?: number }): Promise<RefreshAcquireOutcome> {
    return (await this.#lock()).tryAcquire(name, options);
  }

  async acquire(name: string, options?: Parameters<RefreshLock['acquire']>[1]): Promise<RefreshAcquireOutcome> {
    return (await this.#lock()).acquire(name, options);
  }

  async inspect(name: string): Promise<RefreshLockState | undefined> {
    return (await this.#lock()).inspect(name);
  }

  /** Closes the lock if it was ever loaded; one never used has nothing to close. */
  async close(): Promise<void> {
    if (this.#loading === undefined) return;
    await (await this.#loading).close();
  }

  #lock(): Promise<OwnedLock> {
    this.#loading ??= this.#load();
    return this.#loading;
  }
}
