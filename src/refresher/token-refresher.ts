import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { checkTuning, type LeaseLockOptions } from '../lock/options.js';
import { raceAbort } from '../shared/abort.js';
import { TokenRefresherError } from '../shared/errors.js';
import { SecretStore } from '../secret/secret-store.js';
import { resolveCallBounds, type CallBounds, type GetTokenOptions } from './call-options.js';
import { TokenUnavailableError } from './unavailable-error.js';
import type { TokenSource } from './events.js';
import { describeError } from './describe-error.js';
import { LazyLock, type OwnedLock } from './lazy-lock.js';
import type { RefreshLock } from './lock-port.js';
import type { TokenRefresherOptions } from './options.js';
import { MAX_ROUNDS, ProtocolContext, type Intent, type Obtained } from './protocol-context.js';
import { obtain } from './reader-path.js';
import { resolveRefresherOptions, type ResolvedRefresherOptions } from './resolve-options.js';
import { TokenCache, type KnownToken } from './token-cache.js';

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

/** Period of the do-nothing timer that keeps the process alive while a caller awaits a token. */
const KEEP_ALIVE_INTERVAL_MS = 2 ** 30;

/**
 * Keeps one short-lived token, shared by a whole fleet through one Secrets Manager secret, valid for
 * every caller — and refreshes it once per token lifetime, by one process, under a DynamoDB lease
 * (DESIGN.md §3). Callers get a cached token without any request while it is before this process's
 * (jittered) refresh point; after it, one process refreshes while the others keep serving the
 * still-valid token.
 *
 * This class is the facade: the cache is `token-cache.ts`, reading the secret `reader-path.ts`,
 * contending for the lease `contention.ts`, holding it `holding.ts` (the last two load with the
 * first call that needs the lock). Here, callers join one piece of shared work at a time and are served.
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
  readonly #context: ProtocolContext;
  readonly #cache: TokenCache;
  readonly #ownedClients: Array<{ destroy(): void }> = [];
  #ownedLock: OwnedLock | undefined;
  readonly #closeController = new AbortController();
  #flight: Promise<Obtained> | undefined;
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
    const storeFor = (client: SecretsManagerClient, secretId: string) =>
      new SecretStore({ client, secretId, clock: resolved.clock, random: resolved.random });
    const store = storeFor(secretsManager, resolved.secretId);
    const primaryClient = this.#primaryClient(options, resolved);
    this.#context = new ProtocolContext({
      options: resolved,
      store,
      primary: primaryClient === undefined ? store : storeFor(primaryClient, resolved.secretId),
      stateStore: resolved.stateSecretId === undefined ? undefined : storeFor(primaryClient ?? secretsManager, resolved.stateSecretId),
      lock: options.lock ?? this.#buildLock(options, resolved),
      cache: this.#cache,
      closeSignal: this.#closeController.signal,
    });
    if (resolved.expectedLifetimeMs !== undefined) {
      this.#context.checkVersionBudget(resolved.expectedLifetimeMs);
      this.#context.checkReplicationLag(resolved.expectedLifetimeMs);
    }
  }

  /**
   * Returns a token with at least the minimum validity left. Costs nothing while the cached token is
   * before this process's refresh point; never waits on the lock or the identity provider while a
   * valid token exists. Throws {@link TokenUnavailableError} (or the specific error that needs a
   * person: `InvalidSecretPayloadError`, `VersionQuotaError`, `SecretAccessError`) when no valid
   * token can be had.
   */
  async getToken(options: GetTokenOptions = {}): Promise<TokenResult> {
    this.#assertOpen();
    const bounds = resolveCallBounds(options, this.#options);
    options.signal?.throwIfAborted();
    const now = this.#options.clock.now();
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
    const bounds = resolveCallBounds(options, this.#options);
    options.signal?.throwIfAborted();
    await this.#flight?.catch(() => undefined);
    let before = this.#cache.current?.versionId;
    if (before === undefined) {
      const current = await this.#context.readCurrent();
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

  /** The client of the secret's primary Region, when this process reads a replica in another. */
  #primaryClient(options: TokenRefresherOptions, resolved: ResolvedRefresherOptions): SecretsManagerClient | undefined {
    if (resolved.primaryRegion === undefined) return undefined;
    let client = options.primarySecretsManager;
    if (client === undefined) {
      client = new SecretsManagerClient({ region: resolved.primaryRegion });
      this.#ownedClients.push(client);
    }
    return client;
  }

  /** The lease lock on the `lockTable` (in the primary Region by default), when no `lock` was given. */
  #buildLock(options: TokenRefresherOptions, resolved: ResolvedRefresherOptions): RefreshLock {
    let dynamodb = options.dynamodb;
    if (dynamodb === undefined) {
      dynamodb = new DynamoDBClient(resolved.primaryRegion === undefined ? {} : { region: resolved.primaryRegion });
      this.#ownedClients.push(dynamodb);
    }
    const userLockEvents = options.lockOptions?.onEvent;
    const lockOptions: LeaseLockOptions = {
      ...options.lockOptions,
      onEvent: (event) => {
        if (event.type === 'takeover') this.#context.emit({ type: 'took-over', fence: event.fence, previousHolder: event.previousHolder });
        userLockEvents?.(event);
      },
      client: dynamodb,
      tableName: resolved.lockTable,
      leaseMs: resolved.leaseMs,
      pollMs: resolved.pollMs,
      clock: resolved.clock,
      random: resolved.random,
    };
    // A bad lock option fails here, in the constructor, although the lock's code loads with its first use.
    checkTuning(lockOptions);
    this.#ownedLock = new LazyLock(async () => {
      const { LeaseLock } = await import('./lease-path.js');
      return new LeaseLock(lockOptions);
    });
    return this.#ownedLock;
  }

  /** Joins (or starts) the shared work until it yields something this caller accepts, and serves it. */
  async #settle(intent: Intent, signal: AbortSignal | undefined): Promise<TokenResult> {
    // The clock's timers are unref'd so background work never holds a process open; a caller that
    // awaits a token is different: while it waits (e.g. polling the lock), the process must live.
    const keepAlive = setInterval(() => undefined, KEEP_ALIVE_INTERVAL_MS);
    const startedAt = this.#options.clock.monotonic();
    try {
      for (let round = 0; round < MAX_ROUNDS; round += 1) {
        this.#flight ??= this.#startFlight(intent);
        const flight = this.#flight;
        const obtained = await (signal === undefined ? flight : raceAbort(flight, signal));
        // One reading of the clock for the check and the result, so what was checked is what is served.
        const now = this.#options.clock.now();
        if (this.#accepts(intent, obtained.known, now)) {
          return this.#serve(obtained.known, obtained.source, now, this.#options.clock.monotonic() - startedAt);
        }
      }
      throw new TokenUnavailableError(
        this.secretId,
        this.label,
        'concurrent refreshes kept returning a token this call could not accept',
        this.#context.lastFailure,
      );
    } finally {
      clearInterval(keepAlive);
    }
  }

  #startFlight(intent: Intent): Promise<Obtained> {
    const flight = obtain(this.#context, intent).finally(() => {
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
        this.#context.emit({ type: 'background-check-failed', errorName: describeError(error).name });
      },
    );
    return check;
  }

  /** Waits for a check started while the cached token is still valid; that token serves if the check fails or the caller stops waiting. */
  async #awaitCheck(check: Promise<Obtained>, bounds: CallBounds, signal: AbortSignal | undefined): Promise<TokenResult> {
    const intent: Intent = { mustReplace: this.#cache.invalidated, allowFallback: true, bounds };
    // As in #settle: the caller awaits, so the process must live through the check's unref'd waits.
    const keepAlive = setInterval(() => undefined, KEEP_ALIVE_INTERVAL_MS);
    const startedAt = this.#options.clock.monotonic();
    try {
      const obtained = await (signal === undefined ? check : raceAbort(check, signal));
      const now = this.#options.clock.now();
      if (this.#accepts(intent, obtained.known, now)) {
        return this.#serve(obtained.known, obtained.source, now, this.#options.clock.monotonic() - startedAt);
      }
    } catch {
      // The failure is an event already (background-check-failed); the valid token below still serves.
    } finally {
      clearInterval(keepAlive);
    }
    const now = this.#options.clock.now();
    const cached = this.#cache.usable(now);
    if (cached !== undefined) return this.#serve(cached, 'memory', now, this.#options.clock.monotonic() - startedAt);
    return this.#settle(intent, signal);
  }

  #accepts(intent: Intent, known: KnownToken, now: number): boolean {
    if (intent.mustReplace !== undefined && known.versionId === intent.mustReplace) return false;
    return this.#options.policy.isUsable(known, now);
  }

  /** `durationMs` is the time the call spent in I/O, when it had to do any. */
  #serve(known: KnownToken, source: TokenSource, now: number, durationMs?: number): TokenResult {
    const remainingMs = known.expiresAt - now;
    const minValidityMs = this.#options.policy.minValidityMs(known.lifetimeMs);
    this.#context.emit({
      type: 'served',
      source,
      generation: known.generation,
      versionId: known.versionId,
      remainingMs,
      minValidityMs,
      ageMs: now - (known.expiresAt - known.lifetimeMs),
      ...(durationMs === undefined ? {} : { durationMs }),
    });
    return {
      token: known.token,
      expiresAt: new Date(known.expiresAt),
      source,
      generation: known.generation,
      versionId: known.versionId,
      refreshAt: new Date(known.refreshPoint),
    };
  }

  #assertOpen(): void {
    if (this.#closed) throw new TokenRefresherError(`The TokenRefresher for "${this.secretId}" is closed; create a new one.`);
  }
}
