import { TokenUnavailableError } from '../refresher/errors.js';
import type { RefresherLogger } from '../refresher/events.js';
import type { TokenResult } from '../refresher/token-refresher.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { ConfigurationError } from '../shared/errors.js';
import { numberOption, POSITIVE_MS } from '../shared/option-checks.js';

/**
 * What the worker needs of a `TokenRefresher` (which satisfies it).
 *
 * @example
 * ```ts
 * const refresher: WorkerRefresher = new TokenRefresher({ secretId, lockTable, refresh });
 * ```
 */
export interface WorkerRefresher {
  getToken(options?: { signal?: AbortSignal }): Promise<TokenResult>;
  refreshNow(options?: { signal?: AbortSignal }): Promise<TokenResult>;
}

/**
 * Options for {@link RefreshWorker}. Durations in milliseconds.
 *
 * @example
 * ```ts
 * new RefreshWorker({ refresher, logger: createJsonLogger(), minRetryMs: 2_000, maxRetryMs: 120_000 });
 * ```
 */
export interface RefreshWorkerOptions {
  refresher: WorkerRefresher;
  /** Receives one entry per cycle (never a token). Default: silent. */
  logger?: RefresherLogger;
  /** First delay before retrying a failed cycle; it doubles per failure up to `maxRetryMs`. Default 1 000. */
  minRetryMs?: number;
  /** Default 60 000. */
  maxRetryMs?: number;
  clock?: Clock;
  /** Uniform random numbers in [0, 1) for retry jitter. Default `Math.random`. */
  random?: () => number;
}

/**
 * How one cycle ended: this process `refreshed` the token; it `adopted` a newer one another process
 * refreshed; or the token it found is `valid` and not due (the first look, or `runOnce` before the
 * refresh point).
 *
 * @example
 * ```ts
 * const outcome: CycleOutcome = await worker.runOnce(); // 'refreshed' | 'adopted' | 'valid'
 * ```
 */
export type CycleOutcome = 'refreshed' | 'adopted' | 'valid';

/**
 * What the worker reports (e.g. on its health endpoint). Never holds a token.
 *
 * @example
 * ```ts
 * const { healthy, generation, lastSuccessAt } = worker.status();
 * ```
 */
export interface WorkerStatus {
  /** True while the worker holds a token that has not expired. */
  healthy: boolean;
  /** `starting` (no token yet), `waiting` (until the refresh point), `refreshing`, `retrying` (after a failure), `stopped`. */
  state: 'starting' | 'waiting' | 'refreshing' | 'retrying' | 'stopped';
  generation?: number;
  versionId?: string;
  /** ISO 8601 times. */
  expiresAt?: string;
  refreshAt?: string;
  /** When this worker last refreshed the token itself. */
  lastRefreshAt?: string;
  /** When a cycle last ended with a fresh token (refreshed here or by another process). */
  lastSuccessAt?: string;
  consecutiveFailures: number;
  lastError?: { name: string; message: string };
}

/**
 * Options of {@link RefreshWorker.runOnce}.
 *
 * @example
 * ```ts
 * await worker.runOnce({ force: true, signal: AbortSignal.timeout(60_000) });
 * ```
 */
export interface RunOnceOptions {
  /** Refresh even if the token is not due. Default false. */
  force?: boolean;
  signal?: AbortSignal;
}

/** No cycle follows another sooner than this, whatever the refresh point says. */
const MIN_CYCLE_MS = 250;
const KEEP_ALIVE_MS = 2 ** 30;

/**
 * Keeps a shared token fresh ahead of its expiry: sleeps until this process's refresh point, then
 * refreshes through the refresher's lease — or adopts the token another worker or Lambda refreshed
 * meanwhile — so any number of workers can run at once, one active and the others on standby,
 * without double refreshes. Failures are retried with jittered backoff, respecting the fleet-wide
 * back-off recorded in the lock table.
 *
 * @example
 * ```ts
 * const refresher = new TokenRefresher({ secretId, lockTable, refresh });
 * const worker = new RefreshWorker({ refresher, logger: createJsonLogger() });
 * const stop = new AbortController();
 * process.once('SIGTERM', () => stop.abort());
 * await worker.run(stop.signal);
 * await refresher.close(); // aborts a refresh in flight and releases the lease
 * ```
 */
export class RefreshWorker {
  readonly #refresher: WorkerRefresher;
  readonly #logger: RefresherLogger | undefined;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #minRetryMs: number;
  readonly #maxRetryMs: number;
  #token: TokenResult | undefined;
  #state: WorkerStatus['state'] = 'starting';
  #lastRefreshAt: number | undefined;
  #lastSuccessAt: number | undefined;
  #failures = 0;
  #lastError: { name: string; message: string } | undefined;

  constructor(options: RefreshWorkerOptions) {
    if (typeof options?.refresher?.getToken !== 'function' || typeof options.refresher.refreshNow !== 'function') {
      throw new ConfigurationError('RefreshWorker needs a TokenRefresher as option "refresher".');
    }
    this.#refresher = options.refresher;
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#minRetryMs = numberOption('minRetryMs', options.minRetryMs, 1_000, POSITIVE_MS);
    this.#maxRetryMs = numberOption('maxRetryMs', options.maxRetryMs, 60_000, POSITIVE_MS);
    if (this.#maxRetryMs < this.#minRetryMs) {
      throw new ConfigurationError(`Option "maxRetryMs" (${this.#maxRetryMs}) must be at least "minRetryMs" (${this.#minRetryMs}).`);
    }
  }

  /**
   * Refreshes ahead of expiry until `signal` aborts, then resolves (it never rejects: failures are
   * logged, reported in {@link status} and retried). Close the refresher afterwards to abort a
   * refresh still in flight and release its lease.
   *
   * @example
   * ```ts
   * await worker.run(stop.signal);
   * ```
   */
  async run(signal: AbortSignal): Promise<void> {
    // The clock's timers are unref'd, as a library's should be; running is this process's purpose,
    // so one referenced handle keeps it alive until it is stopped.
    const keepAlive = setInterval(() => undefined, KEEP_ALIVE_MS);
    try {
      await this.#loop(signal);
    } finally {
      clearInterval(keepAlive);
      this.#state = 'stopped';
    }
  }

  async #loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let waitMs: number;
      try {
        const { token } = await this.#cycle(this.#token === undefined ? 'get' : 'refresh', signal);
        waitMs = Math.max(MIN_CYCLE_MS, token.refreshAt.getTime() - this.#clock.now());
      } catch (error) {
        if (signal.aborted) break;
        waitMs = this.#retryDelay(error);
        this.#logger?.info('token-refresher worker: retrying', { event: 'retry-scheduled', retryInMs: Math.round(waitMs) });
      }
      try {
        await this.#clock.sleep(waitMs, signal);
      } catch {
        break;
      }
    }
  }

  /**
   * One cycle, for cron or EventBridge schedules: gets the token, refreshing it if it has reached this
   * process's refresh point (or at once with `force`), and reports what happened. Throws when no
   * fresh token can be had.
   *
   * @example
   * ```ts
   * const outcome = await worker.runOnce(); // then exit: cron or EventBridge runs it again
   * ```
   */
  async runOnce(options: RunOnceOptions = {}): Promise<CycleOutcome> {
    try {
      return (await this.#cycle(options.force ? 'refresh' : 'get', options.signal)).outcome;
    } finally {
      this.#state = 'stopped';
    }
  }

  /**
   * The worker's state for a health check or status line.
   *
   * @example
   * ```ts
   * process.stdout.write(`${JSON.stringify(worker.status())}\n`);
   * ```
   */
  status(): WorkerStatus {
    const token = this.#token;
    const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());
    return {
      healthy: token !== undefined && token.expiresAt.getTime() > this.#clock.now(),
      state: this.#state,
      ...(token === undefined
        ? {}
        : {
            generation: token.generation,
            versionId: token.versionId,
            expiresAt: iso(token.expiresAt.getTime()),
            refreshAt: iso(token.refreshAt.getTime()),
          }),
      ...(this.#lastRefreshAt === undefined ? {} : { lastRefreshAt: iso(this.#lastRefreshAt) }),
      ...(this.#lastSuccessAt === undefined ? {} : { lastSuccessAt: iso(this.#lastSuccessAt) }),
      consecutiveFailures: this.#failures,
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
    };
  }

  async #cycle(kind: 'get' | 'refresh', signal: AbortSignal | undefined): Promise<{ token: TokenResult; outcome: CycleOutcome }> {
    this.#state = this.#token === undefined && kind === 'get' ? 'starting' : 'refreshing';
    const previous = this.#token;
    let token: TokenResult;
    try {
      token = kind === 'get' ? await this.#refresher.getToken({ signal }) : await this.#refresher.refreshNow({ signal });
    } catch (error) {
      if (signal?.aborted) throw error;
      this.#failures += 1;
      this.#lastError = describe(error);
      this.#state = 'retrying';
      this.#logger?.error('token-refresher worker: no fresh token', {
        event: 'cycle-failed',
        consecutiveFailures: this.#failures,
        error: this.#lastError,
      });
      throw error;
    }
    const now = this.#clock.now();
    const outcome: CycleOutcome =
      token.source === 'refreshed' ? 'refreshed' : previous !== undefined && previous.versionId !== token.versionId ? 'adopted' : 'valid';
    this.#token = token;
    this.#failures = 0;
    this.#lastError = undefined;
    this.#lastSuccessAt = now;
    if (outcome === 'refreshed') this.#lastRefreshAt = now;
    this.#state = 'waiting';
    this.#logger?.info(`token-refresher worker: ${outcomeMessage[outcome]}`, {
      event: outcome,
      generation: token.generation,
      versionId: token.versionId,
      expiresAt: token.expiresAt.toISOString(),
      refreshAt: token.refreshAt.toISOString(),
    });
    return { token, outcome };
  }

  /** Exponential backoff with jitter, or the fleet's retry-not-before when another process recorded one. */
  #retryDelay(error: unknown): number {
    const backoff = Math.min(this.#maxRetryMs, this.#minRetryMs * 2 ** Math.min(this.#failures - 1, 30)) * (0.5 + this.#random() / 2);
    const failure = error instanceof TokenUnavailableError ? error.lastFailure : undefined;
    if (failure !== undefined && !(failure instanceof Error)) {
      return Math.max(this.#minRetryMs, Math.min(this.#maxRetryMs, failure.retryNotBefore - this.#clock.now()));
    }
    return backoff;
  }
}

const outcomeMessage: Record<CycleOutcome, string> = {
  refreshed: 'refreshed the token',
  adopted: 'adopted the token another process refreshed',
  valid: 'the token is valid',
};

function describe(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: typeof error, message: String(error) };
}
