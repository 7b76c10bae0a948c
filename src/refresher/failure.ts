import { SecretAccessError, VersionQuotaError } from '../secret/errors.js';
import { InvalidSecretPayloadError } from '../token/errors.js';
import { RefreshFailedError, RefreshStateLostError } from './errors.js';

// describeError is apart, in describe-error.ts: the facade needs it at import, and this module's
// classifications (with every error class they test for) only matter once a refresh has failed.
export { describeError } from './describe-error.js';

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
