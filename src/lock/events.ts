import type { LockLostReason, UnavailableKind } from './errors.js';

interface LockEventBase {
  /** The lock name. */
  name: string;
  /** This process's owner id. */
  owner: string;
}

/** This owner obtained a lease. `takeover` is set when it replaced a holder that did not release. */
export interface AcquiredEvent extends LockEventBase {
  type: 'acquired';
  fence: number;
  epoch: string;
  leaseMs: number;
  /** Writes and reads this acquire spent, including the winning write. */
  requests: number;
  /** Monotonic ms from the call to the lease. */
  waitedMs: number;
}

/** An acquire found the lock held by another owner and is waiting (or giving up, for `tryAcquire`). */
export interface ContendedEvent extends LockEventBase {
  type: 'contended';
  holder: string | undefined;
  fence: number;
}

/** This owner took over a lease that its holder neither renewed nor released. */
export interface TakeoverEvent extends LockEventBase {
  type: 'takeover';
  previousHolder: string | undefined;
  fence: number;
  /** `strict`: the record version was seen unchanged for a full lease; `clockSkew`: the opt-in fast path. */
  mode: 'strict' | 'clockSkew';
}

/** A renewal succeeded. */
export interface RenewedEvent extends LockEventBase {
  type: 'renewed';
  fence: number;
  latencyMs: number;
}

/** A renewal's outcome is unknown (throttling, 5xx, timeout): the lease is kept and renewal retried. */
export interface RenewFailedEvent extends LockEventBase {
  type: 'renewFailed';
  fence: number;
  kind: UnavailableKind;
  errorName: string;
  /** Ms until the lease's signal aborts if no renewal succeeds. */
  remainingMs: number;
}

/** Renewals failed until the danger window: the lease's signal aborted; stop the protected work. */
export interface DangerEvent extends LockEventBase {
  type: 'danger';
  fence: number;
}

/** The lease is gone: taken over (`stolen`, on definitive evidence only) or run out locally (`expired`). */
export interface LostEvent extends LockEventBase {
  type: 'lost';
  fence: number;
  reason: Extract<LockLostReason, 'stolen' | 'expired'>;
  /** The owner found in the item, when known. */
  holder: string | undefined;
}

/** The lease was released (`committed` when attributes were written with the release). */
export interface ReleasedEvent extends LockEventBase {
  type: 'released';
  fence: number;
  committed: boolean;
  /** Monotonic ms the lease was held. */
  heldMs: number;
}

/** A release during disposal could not reach DynamoDB; the lease will expire on its own. */
export interface ReleaseFailedEvent extends LockEventBase {
  type: 'releaseFailed';
  fence: number;
  errorName: string;
}

/**
 * What the lock reports through `onEvent`. Events carry names, fences and timings, never values of
 * the committed attributes.
 *
 * @example
 * ```ts
 * const lock = new LeaseLock({ client, tableName: 'locks', onEvent: (event) => {
 *   if (event.type === 'lost') console.warn(`lost ${event.name} (${event.reason})`);
 * } });
 * ```
 */
export type LockEvent =
  | AcquiredEvent
  | ContendedEvent
  | TakeoverEvent
  | RenewedEvent
  | RenewFailedEvent
  | DangerEvent
  | LostEvent
  | ReleasedEvent
  | ReleaseFailedEvent;
