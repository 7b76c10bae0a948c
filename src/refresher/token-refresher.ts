import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LeaseLock, LockTimeoutError, LockUnavailableError } from '../lock/index.js';
import { ConfigurationError, TokenRefresherError } from '../shared/errors.js';
import { SecretAccessError, VersionQuotaError } from '../secret/errors.js';
import { SecretStore } from '../secret/secret-store.js';
import { pendingVersionId } from '../secret/version-id.js';
import { describeDecodeFailure } from '../token/codec.js';
import { InvalidSecretPayloadError, InvalidTokenError } from '../token/errors.js';
import type { DecodedToken, TokenEnvelope } from '../token/token.js';
import { VERSIONS_PER_DAY_WARNING } from '../token/policy.js';
import { encodeForSecret, validateIssuedToken } from '../token/validate.js';
import { RECORD, currentVersionAttributes, readCommitRecord, type CommitRecord } from './commit-record.js';
import { RefreshFailedError, RefreshTimeoutError, TokenUnavailableError, type FailureRecord } from './errors.js';
import type { RefresherEvent, TokenSource } from './events.js';
import type { CommitValue, RefreshAcquireOutcome, RefreshLease, RefreshLock, RefreshLockState } from './lock-port.js';
import { TokenCache, type KnownToken, type TokenFacts } from './token-cache.js';
import { resolveRefresherOptions, type ResolvedRefresherOptions, type TokenRefresherOptions } from './options.js';

/** What {@link TokenRefresher.getToken} returns. */
export interface TokenResult {
  token: string;
  expiresAt: Date;
  /** `memory` (no request), `secret` (read from Secrets Manager) or `refreshed` (this process called `refresh`). */
  source: TokenSource;
  /** Counts refreshes of this secret label; 0 when the secret's format does not record it. */
  generation: number;
  /** The secret version holding the token. */
  versionId: string;
  /**
   * This process's refresh point for the token (jittered within the refresh window): from then on,
   * `getToken` looks for — and if need be makes — a newer one. A worker sleeps until it.
   */
  refreshAt: Date;
}

/** Per-call options. */
export interface GetTokenOptions {
  /** Stops this caller waiting (the shared work continues for other callers). */
  signal?: AbortSignal;
  /**
   * The longest lease a refresh started by this call may take (at least 100 ms; the `leaseMs` option
   * if longer) — e.g. a Lambda invocation's remaining time, so that an environment frozen after the
   * invocation holds the lease no longer than that.
   */
  leaseMs?: number;
  /** The longest the `refresh` function may run when this call starts it (the `refreshTimeoutMs` option if longer). */
  refreshTimeoutMs?: number;
  /**
   * Once this process's refresh point has passed, wait for the check instead of answering from memory
   * at once: the caller gets the refreshed token if this process wins the lease, and the still-valid
   * one at once if another process holds it (or if `signal` aborts meanwhile). For environments that
   * are frozen between calls, such as Lambda, where work left running in the background stops. Default false.
   */
  awaitRefresh?: boolean;
}

/** The limits a call puts on the shared work it starts. */
interface CallBounds {
  leaseMs: number;
  refreshTimeoutMs: number;
}

/** What the secret's label held when read. */
type CurrentRead = { found: true; known: KnownToken } | { found: false; missing: 'secret' | 'label' };

/** What a caller accepts as the result of shared work. */
interface Intent {
  /** A version that must be replaced: invalidated by a 401, or the one `refreshNow` was called on. */
  mustReplace: string | undefined;
  /** Whether a still-valid token may be returned when no fresh one can be had (false for `refreshNow`). */
  allowFallback: boolean;
  /** The lease and refresh time of the call that started the work (joining callers share them). */
  bounds: CallBounds;
}

interface Obtained {
  known: KnownToken;
  source: 'secret' | 'refreshed';
}

/** The result of holding the lease: a token, or "start over" (the lease was lost or the secret moved). */
type HoldResult = Obtained | { retry: CurrentRead | undefined };

const MAX_ROUNDS = 4;
/** The shortest lease a call may ask for (the `leaseMs` option's minimum too). */
const MIN_CALL_LEASE_MS = 100;
/** Attempts of one lock write when its outcome is unknown, on top of the SDK's retries. */
const LOCK_WRITE_ATTEMPTS = 3;
/** Period of the do-nothing timer that keeps the process alive while a caller awaits a token. */
const KEEP_ALIVE_INTERVAL_MS = 2 ** 30;
const MAX_FAILURE_MESSAGE = 300;
/** The refresh function is not started with less than this share of the call's lease left: it could not finish before the lease ends. */
const MIN_LEASE_SHARE_TO_REFRESH = 1 / 4;
/** First delay between repeats of a lock write, doubling per attempt, so a throttled table gets room. */
const LOCK_RETRY_BASE_MS = 50;

/** An error's name as it may be stored in the lock item and events: the refresh function's errors are the user's, so anything but a plain identifier becomes "Error". */
const ERROR_NAME = /^[A-Za-z_$][\w$.:-]{0,63}$/;

function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) {
    return { name: ERROR_NAME.test(error.name) ? error.name : 'Error', message: error.message.slice(0, MAX_FAILURE_MESSAGE) };
  }
  return { name: typeof error, message: '' };
}

/**
 * Keeps one short-lived token, shared by a whole fleet through one Secrets Manager secret, valid for
 * every caller — and refreshes it once per token lifetime, by one process, under a DynamoDB lease
 * (DESIGN.md §3). Callers get a cached token without any request while it is before this process's
 * (jittered) refresh point; after it, one process refreshes while the others keep serving the
 * still-valid token.
 *
 * @example
 * ```ts
 * const refresher = new TokenRefresher({
 *   secretId: 'my-api-token',
 *   lockTable: 'token-refresher-locks',
 *   refresh: async ({ signal }) => {
 *     const response = await fetch(tokenUrl, { method: 'POST', body, signal });
 *     const { access_token, expires_in } = await response.json();
 *     return { token: access_token, expiresAt: Date.now() + expires_in * 1000 };
 *   },
 * });
 * const { token, expiresAt, source } = await refresher.getToken();
 * await refresher.close();
 * ```
 */
export class TokenRefresher {
  readonly secretId: string;
  readonly label: string;
  readonly lockName: string;

  readonly #options: ResolvedRefresherOptions;
  readonly #store: SecretStore;
  readonly #lock: RefreshLock;
  readonly #ownedClients: Array<{ destroy(): void }> = [];
  #ownedLock: LeaseLock | undefined;
  readonly #closeController = new AbortController();
  readonly #cache: TokenCache;
  #flight: Promise<Obtained> | undefined;
  #lastFailure: Error | undefined;
  #quotaWarned = false;
  #closed = false;

  constructor(options: TokenRefresherOptions) {
    const resolved = resolveRefresherOptions(options);
    this.#options = resolved;
    this.secretId = resolved.secretId;
    this.label = resolved.label;
    this.lockName = resolved.lockName;
    this.#cache = new TokenCache({ clock: resolved.clock, policy: resolved.policy, random: resolved.random });
    let secretsManager = options.secretsManager;
    if (secretsManager === undefined) {
      secretsManager = new SecretsManagerClient({});
      this.#ownedClients.push(secretsManager);
    }
    this.#store = new SecretStore({ client: secretsManager, secretId: resolved.secretId, clock: resolved.clock, random: resolved.random });
    if (options.lock !== undefined) {
      this.#lock = options.lock;
    } else {
      let dynamodb = options.dynamodb;
      if (dynamodb === undefined) {
        dynamodb = new DynamoDBClient({});
        this.#ownedClients.push(dynamodb);
      }
      const userLockEvents = options.lockOptions?.onEvent;
      this.#lock = this.#ownedLock = new LeaseLock({
        ...options.lockOptions,
        onEvent: (event) => {
          if (event.type === 'takeover') this.#emit({ type: 'took-over', fence: event.fence, previousHolder: event.previousHolder });
          userLockEvents?.(event);
        },
        client: dynamodb,
        tableName: resolved.lockTable,
        leaseMs: resolved.leaseMs,
        pollMs: resolved.pollMs,
        clock: resolved.clock,
        random: resolved.random,
      });
    }
    if (resolved.expectedLifetimeMs !== undefined) this.#checkVersionBudget(resolved.expectedLifetimeMs);
  }

  /**
   * Returns a token with at least the minimum validity left. Costs nothing while the cached token is
   * before this process's refresh point; never waits on the lock or the identity provider while a
   * valid token exists. Throws {@link TokenUnavailableError} (or the specific error that needs a
   * person: {@link InvalidSecretPayloadError}, {@link VersionQuotaError}, {@link SecretAccessError})
   * when no valid token can be had.
   */
  async getToken(options: GetTokenOptions = {}): Promise<TokenResult> {
    this.#assertOpen();
    const bounds = this.#callBounds(options);
    options.signal?.throwIfAborted();
    const { clock } = this.#options;
    const now = clock.now();
    const cached = this.#cache.usable(now);
    if (cached !== undefined) {
      if (this.#flight === undefined && this.#cache.checkDue(cached, now)) {
        const check = this.#checkInBackground(bounds);
        if (options.awaitRefresh === true) return this.#awaitCheck(check, bounds, options.signal);
      }
      return this.#serve(cached, 'memory', now);
    }
    return this.#settle({ mustReplace: this.#cache.invalidated, allowFallback: true, bounds }, options.signal);
  }

  /**
   * Reports that `token` was rejected (e.g. an HTTP 401). If it is still this process's current
   * token, the next {@link getToken} replaces it — refreshing only if no other process already did —
   * so N concurrent 401s cause one refresh, not N. Returns whether the token was current.
   */
  invalidate(token: string): boolean {
    return this.#cache.invalidate(token);
  }

  /**
   * Ensures a token newer than the current one exists — refreshing, or adopting another process's
   * concurrent refresh — and returns it. For workers that refresh on a schedule; failures are thrown
   * even while the old token is still valid.
   */
  async refreshNow(options: GetTokenOptions = {}): Promise<TokenResult> {
    this.#assertOpen();
    const bounds = this.#callBounds(options);
    options.signal?.throwIfAborted();
    await this.#flight?.catch(() => undefined);
    let before = this.#cache.current?.versionId;
    if (before === undefined) {
      const current = await this.#readCurrent(this.#closeController.signal);
      if (current.found) before = current.known.versionId;
    }
    return this.#settle({ mustReplace: before, allowFallback: false, bounds }, options.signal);
  }

  /** Stops background work, lets an in-flight refresh release its lease, and destroys the clients it created. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeController.abort(new TokenRefresherError('The TokenRefresher was closed.'));
    await this.#flight?.catch(() => undefined);
    await this.#ownedLock?.close();
    for (const client of this.#ownedClients) client.destroy();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- shared work -------------------------------------------------------------------------

  /** Joins (or starts) the shared work until it yields something this caller accepts, and serves it. */
  async #settle(intent: Intent, signal: AbortSignal | undefined): Promise<TokenResult> {
    // The clock's timers are unref'd so background work never holds a process open; a caller that
    // awaits a token is different: while it waits (e.g. polling the lock), the process must live.
    const keepAlive = setInterval(() => undefined, KEEP_ALIVE_INTERVAL_MS);
    try {
      for (let round = 0; round < MAX_ROUNDS; round += 1) {
        this.#flight ??= this.#startFlight(intent);
        const flight = this.#flight;
        const obtained = await (signal === undefined ? flight : raceAbort(flight, signal));
        // One reading of the clock for the check and the result, so what was checked is what is served.
        const now = this.#options.clock.now();
        if (this.#accepts(intent, obtained.known, now)) return this.#serve(obtained.known, obtained.source, now);
      }
      throw new TokenUnavailableError(
        this.secretId,
        this.label,
        'concurrent refreshes kept returning a token this call could not accept',
        this.#lastFailure,
      );
    } finally {
      clearInterval(keepAlive);
    }
  }

  #startFlight(intent: Intent): Promise<Obtained> {
    const flight = this.#obtain(intent).finally(() => {
      if (this.#flight === flight) this.#flight = undefined;
    });
    return flight;
  }

  /** Checks for a newer token without making the caller wait; failures become events. */
  #checkInBackground(bounds: CallBounds): Promise<Obtained> {
    const { clock, pollMs } = this.#options;
    this.#cache.deferChecks(pollMs);
    const check = this.#startFlight({ mustReplace: this.#cache.invalidated, allowFallback: true, bounds });
    this.#flight = check;
    check.then(
      (obtained) => {
        if (obtained.known.refreshPoint > clock.now()) this.#cache.openChecks();
      },
      (error: unknown) => {
        this.#cache.deferChecks(pollMs);
        this.#emit({ type: 'background-check-failed', errorName: describeError(error).name });
      },
    );
    return check;
  }

  /** Waits for a check started while the cached token is still valid; that token serves if the check fails or the caller stops waiting. */
  async #awaitCheck(check: Promise<Obtained>, bounds: CallBounds, signal: AbortSignal | undefined): Promise<TokenResult> {
    const intent: Intent = { mustReplace: this.#cache.invalidated, allowFallback: true, bounds };
    // As in #settle: the caller awaits, so the process must live through the check's unref'd waits.
    const keepAlive = setInterval(() => undefined, KEEP_ALIVE_INTERVAL_MS);
    try {
      const obtained = await (signal === undefined ? check : raceAbort(check, signal));
      const now = this.#options.clock.now();
      if (this.#accepts(intent, obtained.known, now)) return this.#serve(obtained.known, obtained.source, now);
    } catch {
      // The failure is an event already (background-check-failed); the valid token below still serves.
    } finally {
      clearInterval(keepAlive);
    }
    const now = this.#options.clock.now();
    const cached = this.#cache.usable(now);
    if (cached !== undefined) return this.#serve(cached, 'memory', now);
    return this.#settle(intent, signal);
  }

  /** The limits of one call: its own, where tighter than the configured ones. */
  #callBounds(options: GetTokenOptions): CallBounds {
    if (typeof options !== 'object' || options === null) {
      throw new ConfigurationError('getToken and refreshNow take an options object: { signal?, leaseMs?, refreshTimeoutMs?, awaitRefresh? }.');
    }
    if (options.awaitRefresh !== undefined && typeof options.awaitRefresh !== 'boolean') {
      throw new ConfigurationError(`Option "awaitRefresh" must be true or false; got ${typeof options.awaitRefresh}.`);
    }
    const { leaseMs, refreshTimeoutMs } = this.#options;
    return {
      leaseMs: callBound('leaseMs', options.leaseMs, leaseMs, MIN_CALL_LEASE_MS),
      refreshTimeoutMs: callBound('refreshTimeoutMs', options.refreshTimeoutMs, refreshTimeoutMs, 1),
    };
  }

  #accepts(intent: Intent, known: KnownToken, now: number): boolean {
    if (intent.mustReplace !== undefined && known.versionId === intent.mustReplace) return false;
    return this.#options.policy.isUsable(known, now);
  }

  /** The protocol of DESIGN.md §3, steps 3 to 11. */
  async #obtain(intent: Intent): Promise<Obtained> {
    const signal = this.#closeController.signal;
    let current: CurrentRead | undefined;
    let rereadForRecord = false;
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const { pollMs } = this.#options;
      const knownBackoff = current === undefined ? this.#cache.activeBackoff() : undefined;
      if (knownBackoff !== undefined) {
        // Nobody refreshes before the fleet's retry time, so the secret will not change: serve the
        // cached token, and without one, look at the secret at most once per poll interval.
        const cachedFallback = this.#fallback({ found: false, missing: 'label' }, intent);
        if (cachedFallback !== undefined) return this.#adopt(cachedFallback, 'secret');
        if (!this.#cache.mayReadDuringBackoff(pollMs)) throw this.#unavailable('the fleet is backing off after failed refreshes', knownBackoff);
      }
      if (current === undefined && round === 0) {
        const cachedFallback = this.#fallback({ found: false, missing: 'label' }, intent);
        if (cachedFallback !== undefined) {
          const checked = await this.#checkWithValidToken(intent, cachedFallback);
          if ('known' in checked) return checked;
          current = checked.retry;
          if (current === undefined) continue;
        }
      }
      current ??= await this.#readCurrent(signal);
      if (current.found && this.#cache.isFresh(current.known, intent.mustReplace)) return this.#adopt(current.known, 'secret');
      const fallback = this.#fallback(current, intent);
      const backoff = this.#cache.activeBackoff();
      if (backoff !== undefined) {
        this.#emit({ type: 'backing-off', retryNotBefore: backoff.retryNotBefore, failureCount: backoff.failureCount });
        if (fallback !== undefined) return this.#adopt(fallback, 'secret');
        throw this.#unavailable('the fleet is backing off after failed refreshes', backoff);
      }
      let attempt: RefreshAcquireOutcome;
      try {
        attempt = await this.#retryLock(() => this.#lock.tryAcquire(this.lockName, { leaseMs: intent.bounds.leaseMs }));
      } catch (error) {
        if (signal.aborted || error instanceof ConfigurationError) throw error;
        this.#emit({ type: 'lock-unavailable', errorName: describeError(error).name });
        this.#cache.deferChecks(pollMs);
        if (fallback !== undefined) return this.#adopt(fallback, 'secret');
        throw this.#unavailable('the lock table could not be reached', this.#lastFailure, error);
      }
      if (attempt.acquired) {
        const held = await this.#hold(attempt.lease, intent, fallback);
        if ('known' in held) return held;
        current = held.retry;
        continue;
      }
      const state = attempt.state;
      this.#learn(state);
      const record = readCommitRecord(state.attributes);
      if (!rereadForRecord && record.versionId !== undefined && (!current.found || record.versionId !== current.known.versionId)) {
        // Probably committed after our read: read once more rather than wait or serve the old token.
        rereadForRecord = true;
        current = undefined;
        continue;
      }
      if (fallback !== undefined) {
        this.#emit({ type: 'lease-busy', holder: state.holder, fence: state.fence });
        this.#cache.deferChecks(pollMs);
        return this.#adopt(fallback, 'secret');
      }
      const followed = await this.#follow(state, signal, intent.bounds.leaseMs);
      if (followed.acquired) {
        const held = await this.#hold(followed.lease, intent, undefined);
        if ('known' in held) return held;
        current = held.retry;
        continue;
      }
      this.#learn(followed.state);
      if (followed.committed) current = undefined;
    }
    throw this.#unavailable(`no token after ${MAX_ROUNDS} rounds of reading the secret and contending for the lease`, this.#lastFailure);
  }

  /**
   * A check while a valid token is cached (DESIGN.md §3 step 5): the lock item is read first, so the
   * secret is read only when the commit record names another version, and the lease is written only
   * when it is free or may be taken over. While a holder refreshes, a check costs reads alone.
   * Returns `retry` (with the secret read, if any) when the regular path must decide.
   */
  async #checkWithValidToken(intent: Intent, cached: KnownToken): Promise<HoldResult> {
    const { pollMs } = this.#options;
    const signal = this.#closeController.signal;
    let state: RefreshLockState | undefined;
    try {
      state = await this.#retryLock(() => this.#lock.inspect(this.lockName));
    } catch (error) {
      if (signal.aborted || error instanceof ConfigurationError) throw error;
      this.#emit({ type: 'lock-unavailable', errorName: describeError(error).name });
      this.#cache.deferChecks(pollMs);
      return this.#adopt(cached, 'secret');
    }
    if (state !== undefined) this.#learn(state);
    const backoff = this.#cache.activeBackoff();
    if (backoff !== undefined) {
      this.#emit({ type: 'backing-off', retryNotBefore: backoff.retryNotBefore, failureCount: backoff.failureCount });
      return this.#adopt(cached, 'secret');
    }
    const recorded = state === undefined ? undefined : readCommitRecord(state.attributes).versionId;
    if (recorded !== undefined && recorded !== cached.versionId) {
      // Someone committed a newer version since this process read the secret: adopt it without any lock write.
      return { retry: await this.#readCurrent(signal) };
    }
    let attempt: RefreshAcquireOutcome;
    try {
      attempt = await this.#retryLock(() => this.#lock.tryAcquire(this.lockName, { leaseMs: intent.bounds.leaseMs }));
    } catch (error) {
      if (signal.aborted || error instanceof ConfigurationError) throw error;
      this.#emit({ type: 'lock-unavailable', errorName: describeError(error).name });
      this.#cache.deferChecks(pollMs);
      return this.#adopt(cached, 'secret');
    }
    if (attempt.acquired) return this.#hold(attempt.lease, intent, cached);
    this.#learn(attempt.state);
    this.#emit({ type: 'lease-busy', holder: attempt.state.holder, fence: attempt.state.fence });
    this.#cache.deferChecks(pollMs);
    return this.#adopt(cached, 'secret');
  }

  /** Waits, polling the lock item with reads, for the holder's commit, its failure, or the lease. */
  async #follow(
    initial: RefreshLockState,
    signal: AbortSignal,
    leaseMs: number,
  ): Promise<{ acquired: true; lease: RefreshLease } | { acquired: false; state: RefreshLockState; committed: boolean }> {
    const { clock, followerDeadlineMs } = this.#options;
    const since = initial.fence;
    let last = initial;
    let committed = false;
    const started = clock.monotonic();
    try {
      const outcome = await this.#lock.acquire(this.lockName, {
        signal,
        timeoutMs: followerDeadlineMs,
        leaseMs,
        stopWhen: (state) => {
          last = state;
          const record = readCommitRecord(state.attributes);
          committed = (record.recordFence ?? 0) >= since && record.versionId !== undefined;
          return committed || (record.failure?.fence ?? 0) >= since;
        },
      });
      const durationMs = clock.monotonic() - started;
      if (outcome.acquired) {
        this.#emit({ type: 'waited', durationMs, outcome: 'acquired' });
        return outcome;
      }
      this.#emit({ type: 'waited', durationMs, outcome: committed ? 'committed' : 'failed' });
      return { acquired: false, state: outcome.state, committed };
    } catch (error) {
      if (signal.aborted || error instanceof ConfigurationError) throw error;
      this.#emit({ type: 'waited', durationMs: clock.monotonic() - started, outcome: 'timeout' });
      const situation =
        error instanceof LockTimeoutError
          ? `waited ${followerDeadlineMs} ms (followerDeadlineMs) for ${last.holder ?? 'another process'} to refresh, without result`
          : 'the lock table could not be reached while waiting for another process to refresh';
      throw this.#unavailable(situation, this.#lastFailure ?? this.#cache.fleetFailure, error);
    }
  }

  /** Steps 6 to 11, holding the lease. Always releases it. */
  async #hold(lease: RefreshLease, intent: Intent, fallback: KnownToken | undefined): Promise<HoldResult> {
    const { clock, policy } = this.#options;
    let settled = false;
    try {
      const record = readCommitRecord(lease.attributes);
      this.#learnRecord(record);
      const backoff = this.#cache.activeBackoff();
      if (backoff !== undefined) {
        await lease.release();
        settled = true;
        this.#emit({ type: 'backing-off', retryNotBefore: backoff.retryNotBefore, failureCount: backoff.failureCount });
        if (fallback !== undefined) return this.#adopt(fallback, 'secret');
        throw this.#unavailable('the fleet is backing off after failed refreshes', backoff);
      }

      let current: CurrentRead;
      try {
        current = await this.#readCurrent(this.#closeController.signal);
      } catch (error) {
        if (error instanceof InvalidSecretPayloadError) {
          settled = true;
          await this.#recordFailure(lease, record, error, 'invalid-secret', this.#cache.current);
        }
        throw error;
      }
      if (current.found && this.#cache.isFresh(current.known, intent.mustReplace)) {
        settled = true;
        await this.#commitObserved(lease, record, current.known);
        return this.#adopt(current.known, 'secret');
      }
      const previous = current.found ? current.known : undefined;
      const fallbackNow = this.#fallback(current, intent) ?? fallback;

      let census: Record<string, CommitValue> = {};
      let value: string;
      let envelope: TokenEnvelope;
      const startedAt = clock.monotonic();
      const highest = Math.max(record.highestGeneration ?? 0, record.generation ?? 0, previous?.generation ?? 0);
      try {
        census = await this.#guardQuota(record, highest);
        if (!current.found && current.missing === 'secret') await this.#createSecret();
        if (lease.signal.aborted || lease.remainingMs() < intent.bounds.leaseMs * MIN_LEASE_SHARE_TO_REFRESH) {
          this.#emit({ type: 'lease-lost', fence: lease.fence, stage: 'before-refresh' });
          return { retry: current };
        }
        this.#emit({ type: 'refresh-started', fence: lease.fence, generation: highest + 1 });
        const issued = await this.#callRefresh(lease, previous, intent.bounds.refreshTimeoutMs);
        const refreshedAt = clock.now();
        envelope = { token: issued.token, expiresAt: issued.expiresAt, generation: highest + 1, refreshedAt };
        try {
          value = encodeForSecret(this.#options.codec, envelope);
        } catch (error) {
          throw new RefreshFailedError('invalid-result', `The refreshed token cannot be stored: ${describeError(error).message}`, { cause: error });
        }
      } catch (error) {
        if (error instanceof RefreshFailedError && error.reason === 'aborted') {
          this.#emit({ type: 'lease-lost', fence: lease.fence, stage: 'after-refresh' });
          return { retry: undefined };
        }
        if (this.#closeController.signal.aborted) throw error;
        settled = true;
        await this.#recordFailure(lease, record, error, failureReason(error), previous);
        if (fallbackNow !== undefined && intent.allowFallback) return this.#adopt(fallbackNow, 'secret');
        throw needsPerson(error) ? error : this.#unavailable('the refresh failed', error instanceof Error ? error : undefined);
      }

      if (lease.signal.aborted) {
        // Writing now could only create a version nobody will promote: a newer holder may exist.
        this.#emit({ type: 'lease-lost', fence: lease.fence, stage: 'after-refresh' });
        return { retry: undefined };
      }
      const versionId = pendingVersionId({ secretName: this.#store.secretName, label: this.label, epoch: lease.epoch, fence: lease.fence });
      try {
        await this.#store.putPending({ value, versionId, pendingLabel: this.#options.pendingLabel, signal: this.#closeController.signal });
        const moved = await this.#store.moveLabel({
          label: this.label,
          moveTo: versionId,
          removeFrom: previous?.versionId,
          signal: this.#closeController.signal,
        });
        if (moved === 'conflict') {
          const after = await this.#readCurrent(this.#closeController.signal);
          const afterVersion = after.found ? after.known.versionId : undefined;
          if (afterVersion !== versionId) {
            if (afterVersion === previous?.versionId) {
              throw new SecretAccessError(
                'UpdateSecretVersionStage',
                this.secretId,
                `Label ${this.label} could not be moved to the new version although it is still on the version read before; check for a label quota or a policy denying the move.`,
              );
            }
            this.#emit({ type: 'rollback-prevented', discardedVersionId: versionId, currentVersionId: afterVersion, fence: lease.fence });
            settled = true;
            await lease.release().catch(() => undefined);
            return { retry: after };
          }
        }
      } catch (error) {
        if (this.#closeController.signal.aborted) throw error;
        settled = true;
        await this.#recordFailure(lease, record, error, failureReason(error), previous);
        if (fallbackNow !== undefined && intent.allowFallback) return this.#adopt(fallbackNow, 'secret');
        throw error;
      }

      const known = this.#known({ ...envelope, versionId });
      settled = true;
      try {
        const commit = {
          ...currentVersionAttributes({ ...known, refreshedAt: envelope.refreshedAt, fence: lease.fence, highestGeneration: known.generation }),
          [RECORD.previousVersionId]: previous?.versionId ?? null,
          ...census,
        };
        await this.#retryLock(() => lease.commitAndRelease(commit));
        this.#cache.learnFailure(undefined);
      } catch {
        // The token is promoted; only the record is missing. The next holder's double-check reads the
        // secret and records it, so nothing is lost.
        this.#emit({ type: 'lease-lost', fence: lease.fence, stage: 'commit' });
      }
      this.#lastFailure = undefined;
      this.#emit({
        type: 'refreshed',
        fence: lease.fence,
        generation: known.generation,
        versionId,
        expiresAt: known.expiresAt,
        durationMs: clock.monotonic() - startedAt,
      });
      this.#options.logger?.info('token-refresher: refreshed the token', {
        secretId: this.secretId,
        label: this.label,
        generation: known.generation,
        versionId,
        expiresAt: new Date(known.expiresAt).toISOString(),
      });
      this.#checkVersionBudget(known.lifetimeMs);
      if (!policy.isUsable(known, clock.now())) {
        throw this.#unavailable('the refreshed token already has less than the minimum validity left', undefined);
      }
      return this.#adopt(known, 'refreshed');
    } finally {
      if (!settled) await lease.release().catch(() => undefined);
    }
  }

  /**
   * Repeats a lock write whose outcome is unknown (throttling, lost response after the SDK's own
   * retries). The lock recognises its own earlier attempts, so a repeat is never a false "held by
   * someone else" nor a duplicate.
   */
  async #retryLock<T>(write: () => Promise<T>): Promise<T> {
    const { clock, random } = this.#options;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await write();
      } catch (error) {
        if (!(error instanceof LockUnavailableError) || attempt >= LOCK_WRITE_ATTEMPTS || this.#closeController.signal.aborted) throw error;
        await clock.sleep((0.5 + random() / 2) * LOCK_RETRY_BASE_MS * 2 ** attempt, this.#closeController.signal);
      }
    }
  }

  /** Calls the user's refresh function with a signal bounded by the timeout, the lease and close. */
  async #callRefresh(lease: RefreshLease, previous: KnownToken | undefined, refreshTimeoutMs: number): Promise<{ token: string; expiresAt: number }> {
    const { clock, refresh, minLifetimeMs } = this.#options;
    const timeout = new AbortController();
    const signal = AbortSignal.any([lease.signal, this.#closeController.signal, timeout.signal]);
    const cancelTimer = clock.schedule(() => timeout.abort(new RefreshTimeoutError(refreshTimeoutMs)), refreshTimeoutMs);
    let result: unknown;
    try {
      const call = Promise.resolve().then(() =>
        refresh({
          signal,
          fence: lease.fence,
          previous:
            previous === undefined ? undefined : { token: previous.token, expiresAt: new Date(previous.expiresAt), generation: previous.generation },
        }),
      );
      result = await raceAbort(call, signal);
    } catch (error) {
      if (timeout.signal.aborted) throw timeout.signal.reason as RefreshTimeoutError;
      if (this.#closeController.signal.aborted) throw this.#closeController.signal.reason;
      if (lease.signal.aborted)
        throw new RefreshFailedError('aborted', 'The lease was lost while the refresh function ran; its result was discarded.', { cause: error });
      const { name, message } = describeError(error);
      throw new RefreshFailedError('threw', `The refresh function threw ${name}${message === '' ? '' : `: ${message}`}.`, { cause: error });
    } finally {
      cancelTimer();
    }
    try {
      return validateIssuedToken(result, { now: clock.now(), minLifetimeMs });
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new RefreshFailedError('invalid-result', error.message, { cause: error });
      throw error;
    }
  }

  /** The census guard of G7: counts versions only when the recorded estimate nears the quota. */
  async #guardQuota(record: CommitRecord, highestGeneration: number): Promise<Record<string, CommitValue>> {
    const { versionQuota, quotaGuard } = this.#options;
    // Versions other processes may add between two censuses: a tenth of the quota, 1 to 10.
    const slack = Math.max(1, Math.min(10, Math.floor(versionQuota / 10)));
    if (record.census !== undefined) {
      const estimate = record.census.nonRemovable + Math.max(0, highestGeneration - record.census.generation);
      if (versionQuota - estimate - 1 > quotaGuard + slack) return {};
    }
    const census = await this.#store.census({ quota: versionQuota, guard: quotaGuard, signal: this.#closeController.signal });
    this.#emit({ type: 'census', census });
    if (census.headroom <= quotaGuard) throw new VersionQuotaError(this.secretId, census);
    return {
      [RECORD.censusNonRemovable]: census.nonRemovable,
      [RECORD.censusGeneration]: highestGeneration,
      [RECORD.censusAt]: census.takenAt,
    };
  }

  async #createSecret(): Promise<void> {
    if (!this.#options.createSecret) {
      throw new SecretAccessError(
        'GetSecretValue',
        this.secretId,
        'The secret does not exist and createSecret is false: create it, or allow the refresher to.',
      );
    }
    const outcome = await this.#store.ensureSecret(this.#closeController.signal);
    if (outcome === 'created') this.#emit({ type: 'secret-created' });
  }

  /**
   * Records a failed refresh in the lock item (with a fleet-wide retry-not-before) and releases. The
   * back-off ends no later than the moment `serving` (the token the fleet falls back on) drops below
   * the minimum validity, so the fleet retries while it still has a token instead of running out.
   */
  async #recordFailure(lease: RefreshLease, record: CommitRecord, error: unknown, reason: string, serving: KnownToken | undefined): Promise<void> {
    const { clock, random, minBackoffMs, maxBackoffMs, policy } = this.#options;
    const failureCount = (record.failure?.failureCount ?? 0) + 1;
    const backoff = Math.min(maxBackoffMs, minBackoffMs * 2 ** Math.min(failureCount - 1, 30)) * (0.5 + random() / 2);
    const now = clock.now();
    let retryNotBefore = Math.round(now + backoff);
    const usableUntil = serving === undefined ? undefined : Math.floor(serving.expiresAt - policy.minValidityMs(serving.lifetimeMs));
    // Past that moment the cap would void the back-off and let a fleet without a token hammer the provider.
    if (usableUntil !== undefined && usableUntil > now) retryNotBefore = Math.min(retryNotBefore, usableUntil);
    const errorName = describeError(error).name;
    this.#cache.learnFailure({ reason, errorName, failureCount, retryNotBefore });
    if (error instanceof Error) this.#lastFailure = error;
    const commit = {
      [RECORD.retryNotBefore]: retryNotBefore,
      [RECORD.failureCount]: failureCount,
      [RECORD.failureReason]: reason,
      [RECORD.failureError]: errorName,
      [RECORD.failedFence]: lease.fence,
    };
    try {
      await this.#retryLock(() => lease.commitAndRelease(commit));
    } catch {
      await lease.release().catch(() => undefined);
    }
    this.#emit({ type: 'refresh-failed', fence: lease.fence, reason, errorName, failureCount, retryNotBefore });
    this.#options.logger?.warn('token-refresher: refresh failed; the fleet backs off', {
      secretId: this.secretId,
      label: this.label,
      reason,
      error: errorName,
      failureCount,
      retryNotBefore: new Date(retryNotBefore).toISOString(),
    });
  }

  /** Releases after finding a fresh token, recording it so that waiting processes stop waiting. */
  async #commitObserved(lease: RefreshLease, record: CommitRecord, known: KnownToken): Promise<void> {
    const commit = currentVersionAttributes({
      ...known,
      refreshedAt: known.expiresAt - known.lifetimeMs,
      fence: lease.fence,
      highestGeneration: Math.max(record.highestGeneration ?? 0, known.generation),
    });
    try {
      await this.#retryLock(() => lease.commitAndRelease(commit));
    } catch {
      this.#emit({ type: 'lease-lost', fence: lease.fence, stage: 'commit' });
    }
  }

  // ---- reading and judging tokens ----------------------------------------------------------

  async #readCurrent(signal: AbortSignal): Promise<CurrentRead> {
    const read = await this.#store.read(this.label, signal);
    if (!read.found) return read;
    let decoded: DecodedToken;
    try {
      decoded = this.#options.codec.decode(read.value);
    } catch (error) {
      const { problem, withheld } = describeDecodeFailure(error, read.value);
      throw new InvalidSecretPayloadError(this.secretId, problem, {
        ...(withheld ? {} : { cause: error }),
        label: this.label,
        expectedFormat: this.#options.codec.format,
      });
    }
    if (typeof decoded?.token !== 'string' || decoded.token.length === 0 || !Number.isFinite(decoded.expiresAt)) {
      throw new InvalidSecretPayloadError(this.secretId, 'the codec returned no token or no finite expiresAt', {
        label: this.label,
        expectedFormat: this.#options.codec.format,
      });
    }
    const refreshedAt = decoded.refreshedAt ?? read.createdAt ?? this.#options.clock.now();
    return {
      found: true,
      known: this.#known({
        token: decoded.token,
        expiresAt: decoded.expiresAt,
        refreshedAt,
        generation: decoded.generation ?? 0,
        versionId: read.versionId,
      }),
    };
  }

  #known(token: TokenFacts): KnownToken {
    return this.#cache.know(token);
  }

  /** A still-valid token to serve when no fresh one can be had right now. */
  #fallback(current: CurrentRead, intent: Intent): KnownToken | undefined {
    if (!intent.allowFallback) return undefined;
    return this.#cache.fallback(current.found ? current.known : undefined, intent.mustReplace);
  }

  #adopt(known: KnownToken, source: 'secret' | 'refreshed'): Obtained {
    const adopted = this.#cache.adopt(known);
    this.#checkVersionBudget(known.lifetimeMs);
    return { known: adopted, source };
  }

  #serve(known: KnownToken, source: TokenSource, now: number): TokenResult {
    const remainingMs = known.expiresAt - now;
    const minValidityMs = this.#options.policy.minValidityMs(known.lifetimeMs);
    this.#emit({ type: 'served', source, generation: known.generation, versionId: known.versionId, remainingMs, minValidityMs });
    return {
      token: known.token,
      expiresAt: new Date(known.expiresAt),
      source,
      generation: known.generation,
      versionId: known.versionId,
      refreshAt: new Date(known.refreshPoint),
    };
  }

  // ---- fleet state -------------------------------------------------------------------------

  #learn(state: RefreshLockState): void {
    this.#learnRecord(readCommitRecord(state.attributes));
  }

  #learnRecord(record: CommitRecord): void {
    this.#cache.learnFailure(record.failure);
  }

  #unavailable(situation: string, lastFailure: Error | FailureRecord | undefined, cause?: unknown): TokenUnavailableError {
    return new TokenUnavailableError(this.secretId, this.label, situation, lastFailure, cause === undefined ? undefined : { cause });
  }

  #checkVersionBudget(lifetimeMs: number): void {
    if (this.#quotaWarned) return;
    const versionsPerDay = this.#options.policy.versionsPerDay(lifetimeMs);
    if (versionsPerDay <= VERSIONS_PER_DAY_WARNING) return;
    this.#quotaWarned = true;
    this.#emit({ type: 'quota-warning', versionsPerDay, lifetimeMs, limit: VERSIONS_PER_DAY_WARNING });
    this.#options.logger?.warn(
      `token-refresher: tokens living ${Math.round(lifetimeMs / 1000)} s create about ${Math.round(versionsPerDay)} secret versions a day ` +
        `(above ${VERSIONS_PER_DAY_WARNING}); Secrets Manager keeps versions for 24 h and refuses new ones at about 100. ` +
        'Ask the identity provider for longer-lived tokens, or keep them in memory only.',
      { secretId: this.secretId, label: this.label },
    );
  }

  #emit(event: RefresherEvent): void {
    const { onEvent, logger } = this.#options;
    if (logger !== undefined && event.type !== 'served') logger.debug(`token-refresher: ${event.type}`, { secretId: this.secretId, ...event });
    if (onEvent === undefined) return;
    try {
      onEvent(event);
    } catch {
      // A faulty listener must not break token delivery.
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new TokenRefresherError(`The TokenRefresher for "${this.secretId}" is closed; create a new one.`);
  }
}

/** A per-call limit: at least `minimum`, and never above what the refresher is configured with. */
function callBound(name: string, value: unknown, configured: number, minimum: number): number {
  if (value === undefined) return configured;
  if (typeof value !== 'number' || Number.isNaN(value) || value < minimum) {
    throw new ConfigurationError(
      `Per-call option "${name}" must be a number of milliseconds of at least ${minimum}; got ${String(value)}. ` +
        `It caps this call's ${name === 'leaseMs' ? 'lease' : 'refresh time'}, which is ${configured} ms otherwise.`,
    );
  }
  return Math.min(configured, Math.floor(value));
}

/** The short reason recorded in the lock item and events for a failed refresh. */
function failureReason(error: unknown): string {
  if (error instanceof RefreshFailedError) return error.reason;
  if (error instanceof VersionQuotaError) return 'quota';
  if (error instanceof SecretAccessError) return 'secret-access';
  if (error instanceof InvalidSecretPayloadError) return 'invalid-secret';
  return 'error';
}

/** Failures that retrying cannot fix: thrown as they are, since their messages say what a person must do. */
function needsPerson(error: unknown): boolean {
  return error instanceof VersionQuotaError || error instanceof SecretAccessError || error instanceof InvalidSecretPayloadError;
}

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
