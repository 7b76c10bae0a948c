import { TokenRefresherError } from '../shared/errors.js';

// SecretAccessError is apart, in access-error.ts: a reader may throw it, so it loads at import; a
// version quota only stops writes, which load with the first of them.
export { SecretAccessError } from './access-error.js';

/**
 * Writing another version would reach (or has reached) the secret's version quota. Secrets Manager
 * keeps every version younger than 24 hours and refuses new ones at about 100, after which nobody
 * can update the secret until old versions age out. The census fields say where the secret stands.
 *
 * @example
 * ```ts
 * catch (error) {
 *   if (error instanceof VersionQuotaError) alert(`${error.census.headroom} versions left`);
 * }
 * ```
 */
export class VersionQuotaError extends TokenRefresherError {
  readonly census: VersionCensus | undefined;

  constructor(secretId: string, census: VersionCensus | undefined, options?: { cause?: unknown }) {
    const where =
      census === undefined
        ? 'Secrets Manager refused a new version (LimitExceededException)'
        : `${census.nonRemovable} of its ${census.quota} versions cannot be cleaned up yet (${census.labelled} labelled, ` +
          `${census.createdLast24h} created in the last 24 h), leaving ${census.headroom}, at or below the guard of ${census.guard}`;
    super(
      `Secret "${secretId}" is at its version quota: ${where}. Refreshing is refused so that the secret stays writable. ` +
        'Use longer-lived tokens or a larger refresh window (fewer versions a day), remove stray labels, or wait for versions to pass 24 h.',
      options,
    );
    this.census = census;
  }
}

/** A count of a secret's versions against the quota. Contains no values. */
export interface VersionCensus {
  /** All versions, labelled and deprecated. */
  total: number;
  /** Versions carrying at least one staging label (never cleaned up). */
  labelled: number;
  /** Versions with no label. */
  deprecated: number;
  /** Versions created in the 24 h before the census (never cleaned up). */
  createdLast24h: number;
  /** Versions Secrets Manager may not remove yet: labelled, or younger than 24 h. */
  nonRemovable: number;
  /** The version quota assumed (Secrets Manager: about 100). */
  quota: number;
  /** New versions that fit before the quota: `quota - nonRemovable`. */
  headroom: number;
  /** The refresher refuses to write when `headroom` is at or below this. */
  guard: number;
  /** When the census was taken, epoch milliseconds. */
  takenAt: number;
}
