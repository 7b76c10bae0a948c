import { ConfigurationError } from '../shared/errors.js';
import { invalidOption } from '../shared/option-checks.js';
import type { ResolvedRefresherOptions } from './resolve-options.js';

/** Per-call options of `getToken` and `refreshNow`. */
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
export interface CallBounds {
  leaseMs: number;
  refreshTimeoutMs: number;
}

/** The shortest lease a call may ask for (the `leaseMs` option's minimum too). */
const MIN_CALL_LEASE_MS = 100;

/** Validates a call's options and returns its limits: its own, where tighter than the configured ones. */
export function resolveCallBounds(options: GetTokenOptions, configured: Pick<ResolvedRefresherOptions, 'leaseMs' | 'refreshTimeoutMs'>): CallBounds {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('getToken and refreshNow take an options object: { signal?, leaseMs?, refreshTimeoutMs?, awaitRefresh? }.');
  }
  if (options.awaitRefresh !== undefined && typeof options.awaitRefresh !== 'boolean') {
    throw invalidOption('awaitRefresh', 'true or false', options.awaitRefresh);
  }
  return {
    leaseMs: callBound('leaseMs', options.leaseMs, configured.leaseMs, MIN_CALL_LEASE_MS),
    refreshTimeoutMs: callBound('refreshTimeoutMs', options.refreshTimeoutMs, configured.refreshTimeoutMs, 1),
  };
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
