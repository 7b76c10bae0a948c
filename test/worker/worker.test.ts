import { describe, expect, it } from 'vitest';
import { TokenUnavailableError, type TokenResult } from '../../src/refresher/index.js';
import { RefreshWorker, type WorkerRefresher } from '../../src/worker/index.js';
import { VirtualTime, type VirtualClock } from '../support/virtual-time.js';

const MINUTE = 60_000;

/** A scripted refresher on virtual time: each call is answered by the next step, and recorded. */
class ScriptedRefresher implements WorkerRefresher {
  readonly calls: Array<{ method: 'getToken' | 'refreshNow'; at: number }> = [];
  readonly #steps: Array<(clock: VirtualClock) => TokenResult | Error>;
  readonly #time: VirtualTime;
  readonly #clock: VirtualClock;

  constructor(time: VirtualTime, clock: VirtualClock, steps: Array<(clock: VirtualClock) => TokenResult | Error>) {
    this.#time = time;
    this.#clock = clock;
    this.#steps = steps;
  }

  getToken(): Promise<TokenResult> {
    return this.#answer('getToken');
  }

  refreshNow(): Promise<TokenResult> {
    return this.#answer('refreshNow');
  }

  async #answer(method: 'getToken' | 'refreshNow'): Promise<TokenResult> {
    this.calls.push({ method, at: this.#time.now });
    const step = this.#steps.shift();
    if (step === undefined) return new Promise<never>(() => undefined);
    const answer = step(this.#clock);
    if (answer instanceof Error) throw answer;
    return answer;
  }
}

/** A token of generation `generation` that lives an hour and is due for refresh in `dueInMs`. */
function token(generation: number, source: TokenResult['source'], dueInMs = 55 * MINUTE) {
  return (clock: VirtualClock): TokenResult => ({
    token: `secret-token-${generation}`,
    source,
    generation,
    versionId: `version-${generation}`,
    expiresAt: new Date(clock.now() + 60 * MINUTE),
    refreshAt: new Date(clock.now() + dueInMs),
  });
}

function logLines(): { lines: Array<Record<string, unknown>>; logger: ConstructorParameters<typeof RefreshWorker>[0]['logger'] } {
  const lines: Array<Record<string, unknown>> = [];
  const log = (level: string) => (message: string, fields?: unknown) => lines.push({ level, message, ...(fields as object) });
  return { lines, logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') } };
}

describe('Class: RefreshWorker', () => {
  it('gets the token, sleeps until its refresh point, then refreshes through refreshNow, cycle after cycle', async () => {
    const time = new VirtualTime();
    const clock = time.clock();
    const refresher = new ScriptedRefresher(time, clock, [token(1, 'secret'), token(2, 'refreshed'), token(3, 'secret')]);
    const { lines, logger } = logLines();
    const worker = new RefreshWorker({ refresher, logger, clock });
    const stop = new AbortController();
    const running = worker.run(stop.signal);

    await time.runFor(2 * 55 * MINUTE);
    expect(refresher.calls).toEqual([
      { method: 'getToken', at: 0 },
      { method: 'refreshNow', at: 55 * MINUTE },
      { method: 'refreshNow', at: 110 * MINUTE },
    ]);
    expect(lines.map((line) => [line.event, line.generation])).toEqual([
      ['valid', 1],
      ['refreshed', 2],
      ['adopted', 3],
    ]);
    expect(JSON.stringify(lines)).not.toContain('secret-token');
    expect(worker.status()).toMatchObject({ healthy: true, state: 'waiting', generation: 3, consecutiveFailures: 0 });
    expect(worker.status().lastRefreshAt).toBe(new Date(clock.now() - 55 * MINUTE).toISOString());

    stop.abort();
    await time.until(running);
    expect(worker.status().state).toBe('stopped');
  });

  it('retries a failed refresh with doubling backoff, stays healthy while its token is valid, and reports the failures', async () => {
    const time = new VirtualTime();
    const clock = time.clock();
    const failure = new Error('identity provider down');
    const refresher = new ScriptedRefresher(time, clock, [token(1, 'refreshed'), () => failure, () => failure, () => failure, token(2, 'refreshed')]);
    const worker = new RefreshWorker({ refresher, clock, random: () => 1, minRetryMs: 1_000, maxRetryMs: 3_000 });
    const stop = new AbortController();
    const running = worker.run(stop.signal);

    await time.runFor(55 * MINUTE + 3_000);
    expect(refresher.calls.map((call) => call.at - 55 * MINUTE).slice(1)).toEqual([0, 1_000, 3_000]);
    expect(worker.status()).toMatchObject({
      healthy: true,
      state: 'retrying',
      generation: 1,
      consecutiveFailures: 3,
      lastError: { name: 'Error', message: 'identity provider down' },
    });
    await time.runFor(3_000);
    expect(refresher.calls).toHaveLength(5);
    expect(worker.status()).toMatchObject({ healthy: true, generation: 2, consecutiveFailures: 0 });
    expect(worker.status().lastError).toBeUndefined();
    stop.abort();
    await time.until(running);
  });

  it("waits for the fleet's retry-not-before when another process recorded a failed refresh", async () => {
    const time = new VirtualTime();
    const clock = time.clock();
    const backingOff = (now: VirtualClock) =>
      new TokenUnavailableError('api-token', 'AWSCURRENT', 'the fleet is backing off after failed refreshes', {
        reason: 'threw',
        errorName: 'OAuthError',
        failureCount: 3,
        retryNotBefore: now.now() + 20_000,
      });
    const refresher = new ScriptedRefresher(time, clock, [backingOff, token(1, 'refreshed')]);
    const worker = new RefreshWorker({ refresher, clock, random: () => 0 });
    const stop = new AbortController();
    const running = worker.run(stop.signal);
    await time.runFor(25_000);
    expect(refresher.calls).toEqual([
      { method: 'getToken', at: 0 },
      { method: 'getToken', at: 20_000 },
    ]);
    expect(worker.status()).toMatchObject({ healthy: true, generation: 1 });
    stop.abort();
    await time.until(running);
  });

  it('is unhealthy before its first token and after its token expired', async () => {
    const time = new VirtualTime();
    const clock = time.clock();
    const refresher = new ScriptedRefresher(time, clock, [token(1, 'refreshed'), ...Array(100).fill(() => new Error('down'))]);
    const worker = new RefreshWorker({ refresher, clock, maxRetryMs: 10_000 });
    expect(worker.status()).toEqual({ healthy: false, state: 'starting', consecutiveFailures: 0 });
    const stop = new AbortController();
    const running = worker.run(stop.signal);
    await time.runFor(59 * MINUTE);
    expect(worker.status().healthy).toBe(true);
    await time.runFor(2 * MINUTE);
    expect(worker.status()).toMatchObject({ healthy: false, state: 'retrying', generation: 1 });
    stop.abort();
    await time.until(running);
  });

  it('never starts cycles back to back, even when a refresh point has already passed', async () => {
    const time = new VirtualTime();
    const clock = time.clock();
    const refresher = new ScriptedRefresher(time, clock, [token(1, 'secret', -5_000), token(2, 'refreshed', -5_000), token(3, 'refreshed')]);
    const worker = new RefreshWorker({ refresher, clock });
    const stop = new AbortController();
    const running = worker.run(stop.signal);
    await time.runFor(1_000);
    expect(refresher.calls.map((call) => call.at)).toEqual([0, 250, 500]);
    stop.abort();
    await time.until(running);
  });

  it('stops at once when the signal aborts during a refresh in flight', async () => {
    const time = new VirtualTime();
    const clock = time.clock();
    const refresher: WorkerRefresher = {
      getToken: ({ signal } = {}) =>
        new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true })),
      refreshNow: () => Promise.reject(new Error('not called')),
    };
    const worker = new RefreshWorker({ refresher, clock });
    const stop = new AbortController();
    const running = worker.run(stop.signal);
    await time.runFor(1_000);
    stop.abort();
    await time.until(running);
    expect(worker.status()).toMatchObject({ state: 'stopped', consecutiveFailures: 0 });
  });

  it('runs once: gets the token, or refreshes it with force, and throws when it cannot', async () => {
    const time = new VirtualTime();
    const clock = time.clock();
    const refresher = new ScriptedRefresher(time, clock, [token(1, 'secret'), token(2, 'refreshed'), () => new Error('down')]);
    const worker = new RefreshWorker({ refresher, clock });
    expect(await worker.runOnce()).toBe('valid');
    expect(await worker.runOnce({ force: true })).toBe('refreshed');
    await expect(worker.runOnce({ force: true })).rejects.toThrow('down');
    expect(refresher.calls.map((call) => call.method)).toEqual(['getToken', 'refreshNow', 'refreshNow']);
    expect(worker.status()).toMatchObject({ state: 'stopped', consecutiveFailures: 1 });
  });

  it('rejects a missing refresher and bad retry options with messages that name the option', () => {
    const refresher = new ScriptedRefresher(new VirtualTime(), new VirtualTime().clock(), []);
    expect(() => new RefreshWorker({} as never)).toThrow(/needs a TokenRefresher as option "refresher"/);
    expect(() => new RefreshWorker({ refresher, minRetryMs: 0 })).toThrow(/"minRetryMs" must be a number of milliseconds greater than 0/);
    expect(() => new RefreshWorker({ refresher, maxRetryMs: Number.NaN })).toThrow(/"maxRetryMs" must be a number of milliseconds greater than 0/);
    expect(() => new RefreshWorker({ refresher, minRetryMs: 5_000, maxRetryMs: 1_000 })).toThrow(
      /"maxRetryMs" \(1000\) must be at least "minRetryMs" \(5000\)/,
    );
  });
});
