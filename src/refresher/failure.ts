import { SecretAccessError, VersionQuotaError } from '../secret/errors.js';
import { InvalidSecretPayloadError } from '../token/errors.js';
import { RefreshFailedError, RefreshStateLostError } from './errors.js';

/** Error messages kept in events and the lock item are cut here: they come from the user's code and the network. */
const MAX_FAILURE_MESSAGE = 300;
/** An error's name as it may be stored in the lock item and events: the refresh function's errors are the user's, so anything but a plain identifier becomes "Error". */
const ERROR_NAME = /^[A-Za-z_$][\w$.:-]{0,63}$/;

/** An error's name and a bounded message, safe for the lock item and events. */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) {
    return { name: ERROR_NAME.test(error.name) ? error.name : 'Error', message: error.message.slice(0, MAX_FAILURE_MESSAGE) };
  }
  return { name: typeof error, message: '' };
}

/** The failure reason of refresh state the provider no longer accepts: other processes raise RefreshStateLostError on it. */
export const STATE_LOST = 'state-lost';

/** The short reason recorded in the lock item and events for a failed refresh. */
export function failureReason(error: unknown): string {
  if (error instanceof RefreshFailedError) return error.reason;
  if (error instanceof RefreshStateLostError) return STATE_LOST;
  if (error instanceof VersionQuotaError) return 'quota';
  if (error instanceof SecretAccessError) return 'secret-access';
  if (error instanceof InvalidSecretPayloadError) return 'invalid-secret';
  return 'error';
}

/** Failures that retrying cannot fix: thrown as they are, since their messages say what a person must do. */
export function needsPerson(error: unknown): boolean {
  return (
    error instanceof VersionQuotaError ||
    error instanceof SecretAccessError ||
    error instanceof InvalidSecretPayloadError ||
    error instanceof RefreshStateLostError
  );
}

/** The fleet's back-off after its `failureCount`-th failure in a row: doubling from `minBackoffMs`, jittered down by up to half. */
export function backoffDelayMs(failureCount: number, options: { minBackoffMs: number; maxBackoffMs: number; random: () => number }): number {
  // The exponent stops at 30 so that 2 ** n stays a finite number whatever the count grows to.
  const doubled = options.minBackoffMs * 2 ** Math.min(failureCount - 1, 30);
  return Math.min(options.maxBackoffMs, doubled) * (0.5 + options.random() / 2);
}
