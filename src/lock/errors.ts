import { ConfigurationError, TokenRefresherError } from '../shared/errors.js';

/**
 * The root of every runtime failure of the lease lock. Catch it to handle them all; catch a subclass
 * ({@link LockTimeoutError}, {@link LockLostError}, {@link LockUnavailableError}) to handle one kind.
 *
 * @example
 * ```ts
 * try {
 *   await lock.withLock('token#acme', async ({ signal }) => refresh(signal));
 * } catch (error) {
 *   if (error instanceof LockError) console.warn(error.name, error.lockName);
 *   throw error;
 * }
 * ```
 */
export class LockError extends TokenRefresherError {
  /** The lock the failure concerns. */
  readonly lockName: string;

  constructor(lockName: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.lockName = lockName;
  }
}

/**
 * `acquire` waited for `timeoutMs` without obtaining the lock. The lock is held by someone else and
 * was neither released nor abandoned in that time; `lastHolder` names the holder seen last.
 *
 * @example
 * ```ts
 * try {
 *   await lock.acquire('job', { timeoutMs: 5_000 });
 * } catch (error) {
 *   if (error instanceof LockTimeoutError) console.warn(`still held by ${error.lastHolder}`);
 * }
 * ```
 */
export class LockTimeoutError extends LockError {
  readonly timeoutMs: number;
  readonly lastHolder: string | undefined;

  constructor(lockName: string, timeoutMs: number, lastHolder: string | undefined, options?: { cause?: unknown }) {
    super(
      lockName,
      `Timed out after ${timeoutMs} ms waiting for lock "${lockName}"` +
        (lastHolder === undefined ? '' : ` (held by ${lastHolder})`) +
        ': raise timeoutMs, or use tryAcquire() to skip work that someone else is already doing.',
      options,
    );
    this.timeoutMs = timeoutMs;
    this.lastHolder = lastHolder;
  }
}

/** Why a lease stopped being ours. */
export type LockLostReason =
  /** A definitive conditional failure showed another writer's record version: someone took it over. */
  | 'stolen'
  /** Renewals did not succeed in time; the lease entered its danger window before its remote expiry. */
  | 'expiring'
  /** The lease's local validity ran out without a successful renewal. */
  | 'expired'
  /** The holder released it (this process, through `release`, `commitAndRelease` or disposal). */
  | 'released';

/**
 * The lease is no longer held: a write on it was refused because someone else owns the lock, or the
 * lease ran out locally. This is also the `reason` of a lease's aborted `signal`.
 *
 * @example
 * ```ts
 * try {
 *   await lease.commitAndRelease({ generation: 7 });
 * } catch (error) {
 *   if (error instanceof LockLostError && error.reason === 'stolen') console.warn('someone newer took over');
 * }
 * ```
 */
export class LockLostError extends LockError {
  readonly reason: LockLostReason;
  readonly fence: number;

  constructor(lockName: string, fence: number, reason: LockLostReason, options?: { cause?: unknown }) {
    super(lockName, LockLostError.#describe(lockName, fence, reason), options);
    this.reason = reason;
    this.fence = fence;
  }

  static #describe(lockName: string, fence: number, reason: LockLostReason): string {
    const lease = `lease ${fence} on lock "${lockName}"`;
    switch (reason) {
      case 'stolen':
        return `The ${lease} was taken over by another owner: stop the protected work; its results must not be committed.`;
      case 'expiring':
        return `The ${lease} could not be renewed and is about to expire: stop the protected work now.`;
      case 'expired':
        return `The ${lease} expired locally before it could be renewed: stop the protected work.`;
      case 'released':
        return `The ${lease} was released: the protected section is over.`;
    }
  }
}

/** How a DynamoDB request failed: throttled or refused for a conflict (not applied), or of unknown outcome. */
export type UnavailableKind = 'throttled' | 'conflict' | 'unknown';

const VERB: Record<UnavailableKind, string> = { throttled: 'throttled', conflict: 'refused', unknown: 'failed' };
const ADVICE: Record<UnavailableKind, string> = {
  throttled: 'the table is over its capacity; use on-demand billing or raise its provisioned capacity.',
  conflict:
    'a write from another Region met it on the global table (multi-Region strong consistency) and it was not applied; ' +
    'it may be retried, and a read shows who holds the lock.',
  unknown: 'check connectivity to DynamoDB and the endpoint configuration; the request may be retried.',
};

/**
 * DynamoDB could not be reached or refused the request for a transient reason (throttling, 5xx,
 * timeouts, a write met by another Region's on a global table) even after the SDK's own retries. A
 * write that failed this way may still have been applied; the lock keeps track of it so that a
 * retry resolves to the truth.
 *
 * @example
 * ```ts
 * try {
 *   await lease.release();
 * } catch (error) {
 *   if (error instanceof LockUnavailableError) console.warn(`release unknown (${error.kind}); the lease expires on its own`);
 * }
 * ```
 */
export class LockUnavailableError extends LockError {
  readonly kind: UnavailableKind;

  constructor(lockName: string, kind: UnavailableKind, options?: { cause?: unknown }) {
    const name = errorName(options?.cause);
    super(lockName, `DynamoDB ${VERB[kind]} a request on lock "${lockName}"${name ? ` (${name})` : ''}: ${ADVICE[kind]}`, options);
    this.kind = kind;
  }
}

/**
 * The lock table is missing or does not fit: wrong key schema, wrong table name, or a client pointed
 * at the wrong Region or endpoint. The message says what to change.
 *
 * @example
 * ```ts
 * try {
 *   await lock.tryAcquire('job');
 * } catch (error) {
 *   if (error instanceof LockTableError) await ensureLockTable({ client, tableName: error.tableName });
 * }
 * ```
 */
export class LockTableError extends ConfigurationError {
  readonly tableName: string;

  constructor(tableName: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.tableName = tableName;
  }
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
