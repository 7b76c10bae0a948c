import type { Lease } from '../../src/lock/lease.js';
import type { AcquireOutcome, LockState } from '../../src/lock/lease-lock.js';

/**
 * The lease an acquisition must have won; throws (failing the test) when it was refused. Use it
 * instead of `if (!outcome.acquired) return`, which would end the test green without its checks.
 *
 * @example
 * ```ts
 * const lease = leaseOf(await lock.tryAcquire('token#a'));
 * ```
 */
export function leaseOf(outcome: AcquireOutcome): Lease {
  if (!outcome.acquired) throw new Error(`expected to acquire, but ${outcome.state.holder ?? 'nobody'} holds it (fence ${outcome.state.fence})`);
  return outcome.lease;
}

/**
 * The state a refused acquisition reported; throws (failing the test) when it won the lease.
 *
 * @example
 * ```ts
 * expect(refusalOf(await other.tryAcquire('busy')).holder).toBe(lock.ownerId);
 * ```
 */
export function refusalOf(outcome: AcquireOutcome): LockState {
  if (outcome.acquired) throw new Error(`expected to be refused, but acquired fence ${outcome.lease.fence}`);
  return outcome.state;
}
