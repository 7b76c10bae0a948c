import { createHash } from 'node:crypto';

/** What makes a pending version unique: the secret label and one lease acquisition. */
export interface PendingVersionKey {
  secretName: string;
  label: string;
  /** The lock item's random epoch: differs for a re-created lock table, where fences restart at 1. */
  epoch: string;
  /** The lease's fence: one per acquisition of the lock. */
  fence: number;
}

/**
 * The `ClientRequestToken` (and so the `VersionId`) of the version a lease holder writes. Derived,
 * not random, so that a retried `PutSecretValue` after a lost response is recognised by Secrets
 * Manager as the same request and creates no second version. Formatted as a UUID (36 characters,
 * within the 32–64 that Secrets Manager accepts).
 *
 * @example
 * ```ts
 * pendingVersionId({ secretName: 'api-token', label: 'AWSCURRENT', epoch: 'e1', fence: 7 }); // 'xxxxxxxx-xxxx-8xxx-…'
 * ```
 */
export function pendingVersionId(key: PendingVersionKey): string {
  const hex = createHash('sha256')
    .update(JSON.stringify(['token-refresher/pending', key.secretName, key.label, key.epoch, key.fence]))
    .digest('hex');
  // RFC 9562 version 8 (custom) with the RFC variant bits, so tools that check UUIDs accept it.
  const variant = ((Number.parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
