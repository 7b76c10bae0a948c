import { ConfigurationError } from '../shared/errors.js';
import { numberOption, POSITIVE_MS } from '../shared/option-checks.js';

/** Options for {@link RefreshPolicy}. All durations in milliseconds. */
export interface RefreshPolicyOptions {
  /**
   * The longest refresh window: the period at the end of a token's life in which processes refresh
   * it. The window actually used is `min(refreshWindowMs, lifetime / 2)`, so short tokens work.
   * Default 5 minutes.
   */
  refreshWindowMs?: number;
  /**
   * The largest minimum remaining validity: no token is returned with less left than
   * `min(minValidityMs, lifetime / 10)`. Default 30 seconds.
   */
  minValidityMs?: number;
}

/** The default longest refresh window. */
export const DEFAULT_REFRESH_WINDOW_MS = 5 * 60_000;
/** The default largest minimum remaining validity. */
export const DEFAULT_MIN_VALIDITY_MS = 30_000;
/** Version creation rate above which the refresher warns: Secrets Manager keeps every version for 24 h. */
export const VERSIONS_PER_DAY_WARNING = 90;

const DAY_MS = 86_400_000;

/** The part of a token the policy looks at. */
export interface TokenTiming {
  /** Expiry, epoch milliseconds. */
  expiresAt: number;
  /** Token lifetime (expiry minus issue time), milliseconds. */
  lifetimeMs: number;
}

/**
 * When to refresh a token and how much validity a returned token must have, for any lifetime from a
 * few seconds to a day. Processes pick their refresh point at random in the first half of the
 * refresh window, so a fleet reaches it spread out; the second half is the margin for the refresh
 * itself, and it always exceeds the minimum validity.
 *
 * @example
 * ```ts
 * const policy = new RefreshPolicy();
 * const timing = { expiresAt: Date.now() + 3_600_000, lifetimeMs: 3_600_000 };
 * policy.refreshPoint(timing, Math.random()); // between 5 and 2.5 minutes before expiry
 * policy.minValidityMs(timing.lifetimeMs);     // 30_000
 * ```
 */
export class RefreshPolicy {
  readonly maxRefreshWindowMs: number;
  readonly maxMinValidityMs: number;

  constructor(options: RefreshPolicyOptions = {}) {
    this.maxRefreshWindowMs = numberOption('refreshWindowMs', options.refreshWindowMs, DEFAULT_REFRESH_WINDOW_MS, POSITIVE_MS);
    this.maxMinValidityMs = numberOption('minValidityMs', options.minValidityMs, DEFAULT_MIN_VALIDITY_MS, POSITIVE_MS);
    if (this.maxMinValidityMs >= this.maxRefreshWindowMs / 2) {
      throw new ConfigurationError(
        `Option "minValidityMs" (${this.maxMinValidityMs}) must be less than half of "refreshWindowMs" (${this.maxRefreshWindowMs}); ` +
          'otherwise a token could fall below the minimum validity before anyone refreshes it. Raise refreshWindowMs or lower minValidityMs.',
      );
    }
  }

  /** The refresh window for a token of this lifetime. */
  windowMs(lifetimeMs: number): number {
    return Math.min(this.maxRefreshWindowMs, Math.max(0, lifetimeMs) / 2);
  }

  /** The minimum remaining validity for a token of this lifetime. */
  minValidityMs(lifetimeMs: number): number {
    return Math.min(this.maxMinValidityMs, Math.max(0, lifetimeMs) / 10);
  }

  /**
   * This process's refresh point for a token, epoch milliseconds. `jitter` in [0, 1) places it in
   * the first half of the window; pass a fresh random number per token.
   */
  refreshPoint(timing: TokenTiming, jitter: number): number {
    const window = this.windowMs(timing.lifetimeMs);
    return timing.expiresAt - window + Math.min(Math.max(jitter, 0), 1) * (window / 2);
  }

  /** True when the token has at least the minimum validity left at `now`. */
  isUsable(timing: TokenTiming, now: number): boolean {
    return timing.lifetimeMs > 0 && timing.expiresAt - now >= this.minValidityMs(timing.lifetimeMs);
  }

  /** True when nobody should refresh the token yet: it is before the earliest refresh point. */
  isBeforeWindow(timing: TokenTiming, now: number): boolean {
    return now < timing.expiresAt - this.windowMs(timing.lifetimeMs);
  }

  /**
   * About how many secret versions a day tokens of this lifetime create (one per refresh, refreshed
   * on average three quarters of a window before expiry).
   */
  versionsPerDay(lifetimeMs: number): number {
    const interval = lifetimeMs - 0.75 * this.windowMs(lifetimeMs);
    return interval > 0 ? DAY_MS / interval : Number.POSITIVE_INFINITY;
  }
}
