import type { VersionCensus } from '../secret/errors.js';

/** Where a returned token came from. */
export type TokenSource = 'memory' | 'secret' | 'refreshed';

/**
 * Everything the refresher reports through `onEvent`. Events carry version ids, generations,
 * fences and timings — never a token value — so they are safe to log or turn into metrics.
 */
export type RefresherEvent =
  | {
      type: 'served';
      source: TokenSource;
      generation: number;
      versionId: string;
      remainingMs: number;
      minValidityMs: number;
      /** How long ago the token was issued: now − (expiresAt − its lifetime). */
      ageMs: number;
      /** How long the call waited for I/O (reading, the lease, a refresh); absent when served from memory at once. */
      durationMs?: number;
    }
  /** `recovering`: the stored refresh state may have been used by a holder that died (DESIGN.md §9); only with `stateSecretId`. */
  | { type: 'refresh-started'; fence: number; generation: number; recovering?: boolean }
  /** The refresh state the identity provider returned is stored (its version id only), before the token is written. */
  | { type: 'state-saved'; fence: number; stateVersionId: string }
  | {
      type: 'refreshed';
      fence: number;
      generation: number;
      versionId: string;
      expiresAt: number;
      /** From the lease's quota check to the release: the whole refresh under the lease. */
      durationMs: number;
      /** The `refresh` function's call (the identity provider). */
      refreshDurationMs: number;
      /** Writing the pending version, the compare-and-swap and the commit record with the release. */
      commitDurationMs: number;
    }
  | {
      type: 'refresh-failed';
      fence: number;
      reason: string;
      errorName: string;
      failureCount: number;
      retryNotBefore: number;
      /** From winning the lease to the release with the back-off. */
      durationMs: number;
    }
  | { type: 'lease-attempt'; outcome: 'acquired' | 'held_by_other'; fence: number; durationMs: number }
  | { type: 'lease-busy'; holder: string | undefined; fence: number }
  /** This Region's replica lacked the secret or showed an older generation: the primary was read instead. */
  | { type: 'replica-behind'; replicaGeneration: number | undefined; recordedGeneration: number }
  | { type: 'waited'; durationMs: number; outcome: 'committed' | 'failed' | 'acquired' | 'timeout' }
  | { type: 'took-over'; fence: number; previousHolder: string | undefined }
  | { type: 'rollback-prevented'; discardedVersionId: string; currentVersionId: string | undefined; fence: number }
  | { type: 'lease-lost'; fence: number; stage: 'before-refresh' | 'after-refresh' | 'commit' }
  | { type: 'backing-off'; retryNotBefore: number; failureCount: number }
  | { type: 'secret-created' }
  | { type: 'census'; census: VersionCensus }
  | { type: 'quota-warning'; versionsPerDay: number; lifetimeMs: number; limit: number }
  /** The stated replication lag exceeds the time from the latest refresh to the old token's minimum validity. */
  | { type: 'replication-lag-warning'; replicationLagMs: number; marginMs: number; lifetimeMs: number }
  | { type: 'lock-unavailable'; errorName: string }
  | { type: 'background-check-failed'; errorName: string };

/** The names of {@link RefresherEvent}s. */
export type RefresherEventType = RefresherEvent['type'];

/**
 * A Powertools-style logger (`console` works too). The refresher is silent unless one is given;
 * nothing it logs contains a token.
 */
export interface RefresherLogger {
  debug(message: string, ...attributes: unknown[]): void;
  info(message: string, ...attributes: unknown[]): void;
  warn(message: string, ...attributes: unknown[]): void;
  error(message: string, ...attributes: unknown[]): void;
}
