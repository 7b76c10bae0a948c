import type { Clock } from '../shared/clock.js';
import type { RefreshPolicy } from '../token/policy.js';
import type { FailureRecord } from './unavailable-error.js';

/** A token this process knows, with its own jittered refresh point. */
export interface KnownToken {
  token: string;
  expiresAt: number;
  lifetimeMs: number;
  generation: number;
  versionId: string;
  /** This process's refresh point for this token, epoch ms. */
  refreshPoint: number;
}

/** What a read of the secret tells about a token, before this process gives it a refresh point. */
export interface TokenFacts {
  token: string;
  expiresAt: number;
  refreshedAt: number;
  generation: number;
  versionId: string;
}

/** What the cache needs: time, the refresh-point policy, and the jitter source. */
export interface TokenCacheOptions {
  clock: Pick<Clock, 'now' | 'monotonic'>;
  policy: Pick<RefreshPolicy, 'isUsable' | 'refreshPoint'>;
  random: () => number;
}

/**
 * What this process knows, without any I/O (DESIGN.md §3 steps 1 and 4): the cached token and its
 * refresh point, the version invalidated by a 401, the fleet's back-off as last seen here, and the
 * gate that spaces background checks and reads during a back-off.
 *
 * @example
 * ```ts
 * const cache = new TokenCache({ clock: systemClock, policy: new RefreshPolicy(), random: Math.random });
 * cache.adopt(cache.know({ token, expiresAt, refreshedAt, generation: 1, versionId }));
 * cache.usable(Date.now()); // the token, while it has the minimum validity left
 * ```
 */
export class TokenCache {
  readonly #clock: TokenCacheOptions['clock'];
  readonly #policy: TokenCacheOptions['policy'];
  readonly #random: () => number;
  #known: KnownToken | undefined;
  #invalidated: string | undefined;
  #fleetFailure: FailureRecord | undefined;
  /** Monotonic time before which no background check starts (the lease was busy or a check failed). */
  #nextCheckAt = Number.NEGATIVE_INFINITY;
  /** Monotonic time before which a caller without a token, during a fleet back-off, gets no read of the secret. */
  #quietUntil = Number.NEGATIVE_INFINITY;

  constructor(options: TokenCacheOptions) {
    this.#clock = options.clock;
    this.#policy = options.policy;
    this.#random = options.random;
  }

  /** The cached token, usable or not. */
  get current(): KnownToken | undefined {
    return this.#known;
  }

  /** The version a caller reported as rejected, if any. */
  get invalidated(): string | undefined {
    return this.#invalidated;
  }

  /** The fleet's last recorded failure as seen here, whether or not its back-off is still running. */
  get fleetFailure(): FailureRecord | undefined {
    return this.#fleetFailure;
  }

  /** Gives a read token this process's refresh point. */
  know(token: TokenFacts): KnownToken {
    const lifetimeMs = token.expiresAt - token.refreshedAt;
    // A re-read of the cached version keeps this process's point: a fresh jitter could put it later and
    // make a token this process already found due look fresh again, so the check would repeat every poll.
    const cached = this.#known?.versionId === token.versionId ? this.#known : undefined;
    return {
      token: token.token,
      expiresAt: token.expiresAt,
      lifetimeMs,
      generation: token.generation,
      versionId: token.versionId,
      refreshPoint: cached?.refreshPoint ?? this.#policy.refreshPoint({ expiresAt: token.expiresAt, lifetimeMs }, this.#random()),
    };
  }

  /** Caches `known` (keeping the cached copy of the same version, so its refresh point stays put) and returns what is cached. */
  adopt(known: KnownToken): KnownToken {
    if (this.#known?.versionId !== known.versionId) this.#known = known;
    if (this.#known.refreshPoint > this.#clock.now()) this.openChecks();
    return this.#known;
  }

  /** Marks `token` as rejected if it is the cached one; returns whether it was. */
  invalidate(token: string): boolean {
    if (this.#known === undefined || this.#known.token !== token) return false;
    this.#invalidated = this.#known.versionId;
    return true;
  }

  /** The cached token, unless invalidated or below the minimum validity at `now`. */
  usable(now: number): KnownToken | undefined {
    const cached = this.#known;
    if (cached === undefined || cached.versionId === this.#invalidated) return undefined;
    return this.#policy.isUsable(cached, now) ? cached : undefined;
  }

  /** Fresh: usable, before this process's refresh point, and not a version the caller must replace. */
  isFresh(known: KnownToken, mustReplace: string | undefined): boolean {
    const now = this.#clock.now();
    if (mustReplace !== undefined && known.versionId === mustReplace) return false;
    if (known.versionId === this.#invalidated) return false;
    return now < known.refreshPoint && this.#policy.isUsable(known, now);
  }

  /** A still-valid token to serve when no fresh one can be had: the one just read, else the cached one. */
  fallback(read: KnownToken | undefined, mustReplace: string | undefined): KnownToken | undefined {
    const now = this.#clock.now();
    return [read, this.#known].find(
      (known): known is KnownToken =>
        known !== undefined && known.versionId !== this.#invalidated && known.versionId !== mustReplace && this.#policy.isUsable(known, now),
    );
  }

  /** Takes the fleet's failure record as read from the lock item (undefined: no failure recorded). */
  learnFailure(failure: FailureRecord | undefined): void {
    if (failure === undefined) {
      this.#fleetFailure = undefined;
      return;
    }
    const { reason, errorName, failureCount, retryNotBefore } = failure;
    this.#fleetFailure = { reason, errorName, failureCount, retryNotBefore };
  }

  /** The fleet back-off, while it runs. */
  activeBackoff(): FailureRecord | undefined {
    const failure = this.#fleetFailure;
    return failure !== undefined && this.#clock.now() < failure.retryNotBefore ? failure : undefined;
  }

  /** Whether a background check may start now for a token past its refresh point. */
  checkDue(known: KnownToken, now: number): boolean {
    return now >= known.refreshPoint && this.#clock.monotonic() >= this.#nextCheckAt;
  }

  /** No background check for `ms` (the lease is busy, the lock unreachable, or a check failed). */
  deferChecks(ms: number): void {
    this.#nextCheckAt = this.#clock.monotonic() + ms;
  }

  /** Background checks may start again at once (a fresh token was adopted). */
  openChecks(): void {
    this.#nextCheckAt = Number.NEGATIVE_INFINITY;
  }

  /**
   * During a fleet back-off, lets a caller without a token read the secret at most once per `ms`:
   * returns false while quiet, otherwise starts a new quiet period and returns true.
   */
  mayReadDuringBackoff(ms: number): boolean {
    const now = this.#clock.monotonic();
    if (now < this.#quietUntil) return false;
    this.#quietUntil = now + ms;
    return true;
  }
}
