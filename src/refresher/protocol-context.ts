import type { LabelRead, SecretStore } from '../secret/secret-store.js';
import { describeDecodeFailure } from '../token/codec.js';
import { InvalidSecretPayloadError } from '../token/errors.js';
import type { DecodedToken } from '../token/token.js';
import { VERSIONS_PER_DAY_WARNING } from '../token/policy.js';
import type { CallBounds } from './call-options.js';
import type { CommitRecord } from './commit-record.js';
import { TokenUnavailableError, type FailureRecord } from './unavailable-error.js';
import type { RefresherEvent } from './events.js';
import type { RefreshLock } from './lock-port.js';
import type { ResolvedRefresherOptions } from './resolve-options.js';
import type { KnownToken, TokenCache } from './token-cache.js';

/** What the secret's label held when read. */
export type CurrentRead = { found: true; known: KnownToken } | { found: false; missing: 'secret' | 'label' };

/** Nothing read from the secret yet: what `fallback` is asked about before the first read. */
export const NOTHING_READ: CurrentRead = { found: false, missing: 'label' };

/** What a caller accepts as the result of shared work. */
export interface Intent {
  /** A version that must be replaced: invalidated by a 401, or the one `refreshNow` was called on. */
  mustReplace: string | undefined;
  /** Whether a still-valid token may be returned when no fresh one can be had (false for `refreshNow`). */
  allowFallback: boolean;
  /** The lease and refresh time of the call that started the work (joining callers share them). */
  bounds: CallBounds;
}

/** A token the shared work produced, and whether it was read or made. */
export interface Obtained {
  known: KnownToken;
  source: 'secret' | 'refreshed';
}

/** The result of holding the lease: a token, or "start over" (with the secret as last read, if it was). */
export type HoldResult = Obtained | { retry: CurrentRead | undefined };

/**
 * Rounds of read, contend and follow before a call gives up. A round ends only when another process
 * committed, failed or lost its lease, so running out means the fleet churns, not that the call is slow.
 */
export const MAX_ROUNDS = 4;

/** Where a {@link ProtocolContext} gets its parts. */
export interface ProtocolContextParts {
  options: ResolvedRefresherOptions;
  /** The secret as this process's Region sees it: reads. */
  store: SecretStore;
  /** The secret in its primary Region: the holder's double-check and writes. The same store in one Region. */
  primary: SecretStore;
  /** The refresh state's secret in the primary Region (`stateSecretId`), read and written by the holder only. */
  stateStore?: SecretStore | undefined;
  lock: RefreshLock;
  cache: TokenCache;
  /** Aborts when the refresher closes: every request of the protocol stops with it. */
  closeSignal: AbortSignal;
}

/**
 * What the steps of DESIGN.md §3 share: the options, the secret, the lock, this process's cache, the
 * event sink and the last failure seen. Contention (`contention.ts`) and holding (`holding.ts`) act
 * through it; `TokenRefresher` owns it. What only the lock's paths need (serving without a lease,
 * repeating lock writes) is in `no-lease.ts` and `lock-retry.ts` instead, which load with them.
 */
export class ProtocolContext {
  readonly options: ResolvedRefresherOptions;
  readonly store: SecretStore;
  readonly primary: SecretStore;
  readonly stateStore: SecretStore | undefined;
  readonly lock: RefreshLock;
  readonly cache: TokenCache;
  readonly closeSignal: AbortSignal;
  /** The last refresh failure this process saw, for the error a caller gets when no token can be had. */
  lastFailure: Error | undefined;
  #quotaWarned = false;
  #lagWarned = false;
  /** The generation the lock item's commit record last named: a replica showing less is behind. */
  #recordedGeneration: number | undefined;

  constructor(parts: ProtocolContextParts) {
    this.options = parts.options;
    this.store = parts.store;
    this.primary = parts.primary;
    this.stateStore = parts.stateStore;
    this.lock = parts.lock;
    this.cache = parts.cache;
    this.closeSignal = parts.closeSignal;
  }

  /**
   * Reads the managed label and decodes it; an undecodable value is an {@link InvalidSecretPayloadError}.
   * In several Regions a read goes to this Region's replica unless `from` is `primary`; a replica that
   * lacks the secret or shows a generation older than the commit record, or than the token this
   * process holds, is behind (replication is asynchronous), and the primary answers instead — so an
   * older token is never served after a newer one.
   */
  async readCurrent(signal: AbortSignal = this.closeSignal, from: 'replica' | 'primary' = 'replica'): Promise<CurrentRead> {
    if (from === 'primary' || this.primary === this.store) return this.#decode(await this.primary.read(this.options.label, signal));
    const local = this.#decode(await this.store.read(this.options.label, signal));
    const floor = Math.max(this.#recordedGeneration ?? 0, this.cache.current?.generation ?? 0);
    if (local.found && local.known.generation >= floor) return local;
    this.emit({ type: 'replica-behind', replicaGeneration: local.found ? local.known.generation : undefined, recordedGeneration: floor });
    return this.#decode(await this.primary.read(this.options.label, signal));
  }

  #decode(read: LabelRead): CurrentRead {
    const { codec, secretId, label, clock } = this.options;
    if (!read.found) return read;
    let decoded: DecodedToken;
    try {
      decoded = codec.decode(read.value);
    } catch (error) {
      const { problem, withheld } = describeDecodeFailure(error, read.value);
      throw new InvalidSecretPayloadError(secretId, problem, { ...(withheld ? {} : { cause: error }), label, expectedFormat: codec.format });
    }
    if (typeof decoded?.token !== 'string' || decoded.token.length === 0 || !Number.isFinite(decoded.expiresAt)) {
      throw new InvalidSecretPayloadError(secretId, 'the codec returned no token or no finite expiresAt', { label, expectedFormat: codec.format });
    }
    const known = this.cache.know({
      token: decoded.token,
      expiresAt: decoded.expiresAt,
      refreshedAt: decoded.refreshedAt ?? read.createdAt ?? clock.now(),
      generation: decoded.generation ?? 0,
      versionId: read.versionId,
    });
    return { found: true, known };
  }

  /** A still-valid token to serve when no fresh one can be had right now. */
  fallback(current: CurrentRead, intent: Intent): KnownToken | undefined {
    if (!intent.allowFallback) return undefined;
    return this.cache.fallback(current.found ? current.known : undefined, intent.mustReplace);
  }

  /** Makes `known` this process's token. */
  adopt(known: KnownToken, source: Obtained['source']): Obtained {
    const adopted = this.cache.adopt(known);
    this.checkVersionBudget(known.lifetimeMs);
    this.checkReplicationLag(known.lifetimeMs);
    return { known: adopted, source };
  }

  /** Takes in the fleet's failure state and the generation from a lock item's commit record. */
  learnRecord(record: CommitRecord): void {
    this.cache.learnFailure(record.failure);
    if (record.generation !== undefined) this.#recordedGeneration = record.generation;
  }

  unavailable(situation: string, lastFailure: Error | FailureRecord | undefined, cause?: unknown): TokenUnavailableError {
    const { secretId, label } = this.options;
    return new TokenUnavailableError(secretId, label, situation, lastFailure, cause === undefined ? undefined : { cause });
  }

  /**
   * The new token must reach every replica before the old one drops below the minimum validity. The
   * last process to refresh starts at the latest refresh point (half the window before expiry) and
   * holds the lease at most `leaseMs`; what is left until the minimum validity is the replicas' margin.
   * A stated lag beyond it is warned about once: readers there would read the primary meanwhile.
   */
  checkReplicationLag(lifetimeMs: number): void {
    const { replicationLagMs, policy, leaseMs, logger, secretId, label } = this.options;
    if (replicationLagMs === undefined || this.#lagWarned) return;
    const marginMs = policy.windowMs(lifetimeMs) / 2 - policy.minValidityMs(lifetimeMs) - leaseMs;
    if (replicationLagMs <= marginMs) return;
    this.#lagWarned = true;
    this.emit({ type: 'replication-lag-warning', replicationLagMs, marginMs, lifetimeMs });
    logger?.warn(
      `token-refresher: a replication lag of ${replicationLagMs} ms exceeds the ${Math.max(0, Math.round(marginMs))} ms a refresh leaves ` +
        'replicas before the old token drops below its minimum validity; readers in that Region will read the primary meanwhile. ' +
        'Ask for longer-lived tokens, raise refreshWindowMs, or lower leaseMs.',
      { secretId, label },
    );
  }

  /** Warns once when tokens this short-lived would create more secret versions a day than the quota can hold. */
  checkVersionBudget(lifetimeMs: number): void {
    if (this.#quotaWarned) return;
    const versionsPerDay = this.options.policy.versionsPerDay(lifetimeMs);
    if (versionsPerDay <= VERSIONS_PER_DAY_WARNING) return;
    this.#quotaWarned = true;
    this.emit({ type: 'quota-warning', versionsPerDay, lifetimeMs, limit: VERSIONS_PER_DAY_WARNING });
    this.options.logger?.warn(
      `token-refresher: tokens living ${Math.round(lifetimeMs / 1000)} s create about ${Math.round(versionsPerDay)} secret versions a day ` +
        `(above ${VERSIONS_PER_DAY_WARNING}); Secrets Manager keeps versions for 24 h and refuses new ones at about 100. ` +
        'Ask the identity provider for longer-lived tokens, or keep them in memory only.',
      { secretId: this.options.secretId, label: this.options.label },
    );
  }

  emit(event: RefresherEvent): void {
    const { onEvent, logger, secretId } = this.options;
    if (logger !== undefined && event.type !== 'served') logger.debug(`token-refresher: ${event.type}`, { secretId, ...event });
    if (onEvent === undefined) return;
    try {
      onEvent(event);
    } catch {
      // A faulty listener must not break token delivery.
    }
  }
}
