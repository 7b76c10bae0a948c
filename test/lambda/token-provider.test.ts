import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseLock } from '../../src/lock/index.js';
import { ConfigurationError } from '../../src/shared/errors.js';
import { InvocationDeadlineError, LambdaTokenProvider } from '../../src/lambda/index.js';
import type { RefresherCoreOptions } from '../../src/refresher/options.js';
import { clientsFor, countingIssuer, startRefresherStack, type Clients, type Issuer, type RefresherStack } from '../refresher/harness.js';
import { OffsetClock } from '../support/offset-clock.js';

const HOUR = 3_600_000;

/** A Lambda context whose deadline is `remainingMs` from now on the real clock, as the runtime computes it. */
function contextWithRemaining(remainingMs: number): { getRemainingTimeInMillis(): number } {
  const deadline = Date.now() + remainingMs;
  return { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
}

describe('Class: LambdaTokenProvider', () => {
  let stack: RefresherStack;
  beforeAll(async () => {
    stack = await startRefresherStack();
  });
  afterAll(() => stack.close());

  async function provider(
    options: Partial<RefresherCoreOptions> & { marginMs?: number } = {},
  ): Promise<{ tokens: LambdaTokenProvider; issuer: Issuer; clients: Clients; lockTable: string; clock: OffsetClock }> {
    const clock = new OffsetClock();
    const issuer = countingIssuer(clock, HOUR);
    const clients = clientsFor(stack);
    const lockTable = await stack.table();
    const tokens = new LambdaTokenProvider({
      secretId: stack.secretName('lambda'),
      lockTable,
      refresh: issuer.refresh,
      secretsManager: clients.secretsManager,
      dynamodb: clients.dynamodb,
      clock,
      ...options,
    });
    return { tokens, issuer, clients, lockTable, clock };
  }

  it('refreshes on the first invocation, then serves later invocations from memory without a request', async () => {
    const { tokens, issuer, clients } = await provider();
    const first = await tokens.getToken(contextWithRemaining(30_000));
    expect(first).toMatchObject({ source: 'refreshed', generation: 1, token: issuer.minted[0] });
    const requests = clients.counter.snapshot().attempts;
    for (let invocation = 0; invocation < 5; invocation += 1) {
      expect(await tokens.getToken(contextWithRemaining(3_000))).toMatchObject({ source: 'memory', token: first.token });
    }
    expect(clients.counter.snapshot().attempts).toEqual(requests);
    await tokens.close();
  });

  it('refreshes within the invocation that passes the refresh point, leaving nothing to run after it answers', async () => {
    const { tokens, clock } = await provider();
    const first = await tokens.getToken(contextWithRemaining(3_000));
    clock.advance(58 * 60_000);
    expect(await tokens.getToken(contextWithRemaining(3_000))).toMatchObject({ source: 'refreshed', generation: first.generation + 1 });
    await tokens.close();
  });

  it('takes a lease no longer than the remaining time less marginMs, so a frozen environment cannot hold it longer', async () => {
    const { tokens, issuer, clients, lockTable } = await provider({ marginMs: 500 });
    const lock = new LeaseLock({ client: clients.dynamodb, tableName: lockTable });
    let leaseMs: number | undefined;
    issuer.behave(async (context) => {
      leaseMs = (await lock.inspect(tokens.refresher.lockName))?.leaseMs;
      issuer.behave(undefined);
      return issuer.refresh(context);
    });
    await tokens.getToken({ getRemainingTimeInMillis: () => 2_000 });
    expect(leaseMs).toBe(1_500);
    await lock.close();
    await tokens.close();
  });

  it('refuses at once, with no request and no lease, when the remaining time is 0 or less than marginMs + 100 ms', async () => {
    const { tokens, issuer, clients } = await provider({ marginMs: 500 });
    for (const remainingMs of [0, -5, 20, 599]) {
      const error = await tokens.getToken({ getRemainingTimeInMillis: () => remainingMs }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvocationDeadlineError);
      expect(error).toMatchObject({ remainingMs, budgetMs: remainingMs - 500 });
      expect((error as Error).message).toMatch(/no request was made and no lease taken/);
    }
    expect(clients.counter.snapshot().attempts).toEqual({});
    expect(issuer.minted).toHaveLength(0);
    await tokens.close();
  });

  it('gives up with InvocationDeadlineError when the token takes longer than the remaining time less marginMs', async () => {
    const { tokens, issuer } = await provider({ marginMs: 200 });
    issuer.behave(({ signal }) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })));
    const error = await tokens.getToken(contextWithRemaining(500)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvocationDeadlineError);
    expect((error as InvocationDeadlineError).message).toMatch(/A refresh in progress goes on/);
    await tokens.close();
  });

  it("stops waiting when the caller's own signal aborts", async () => {
    const { tokens, issuer } = await provider();
    const abandon = new AbortController();
    issuer.behave(({ signal }) => {
      abandon.abort(new Error('Middy timed out early'));
      return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    });
    await expect(tokens.getToken(contextWithRemaining(30_000), { signal: abandon.signal })).rejects.toThrow('Middy timed out early');
    await tokens.close();
  });

  it('shares one refresh among concurrent invocations in one process (Lambda Managed Instances)', async () => {
    const { tokens, issuer, clients } = await provider();
    const results = await Promise.all(Array.from({ length: 16 }, (_, index) => tokens.getToken(contextWithRemaining(5_000 + index))));
    expect(new Set(results.map((result) => result.token))).toEqual(new Set([issuer.minted[0]]));
    expect(issuer.minted).toHaveLength(1);
    expect(clients.counter.snapshot().attempts.PutSecretValue).toBe(1);
    await tokens.close();
  });

  it('passes invalidate through, so a 401 replaces the token on the next invocation', async () => {
    const { tokens, issuer } = await provider();
    const first = await tokens.getToken(contextWithRemaining(30_000));
    expect(tokens.invalidate('not-the-current-token')).toBe(false);
    expect(tokens.invalidate(first.token)).toBe(true);
    const second = await tokens.getToken(contextWithRemaining(30_000));
    expect(second).toMatchObject({ source: 'refreshed', generation: 2, token: issuer.minted[1] });
    await tokens.close();
  });

  it('rejects what is not a Lambda context, and bad options, with a ConfigurationError that says what to pass', async () => {
    const { tokens } = await provider();
    await expect(tokens.getToken(undefined as never)).rejects.toThrow(/needs the Lambda context \(the handler's second argument\)/);
    await expect(tokens.getToken({} as never)).rejects.toThrow(ConfigurationError);
    await expect(tokens.getToken({ getRemainingTimeInMillis: () => Number.NaN })).rejects.toThrow(/must return a number of milliseconds; got NaN/);
    await tokens.close();
    for (const marginMs of [-1, Number.POSITIVE_INFINITY, 900_001, '500']) {
      await expect(provider({ marginMs: marginMs as number })).rejects.toThrow(/Option "marginMs" must be a number of milliseconds from 0 to 900000/);
    }
    expect(() => new LambdaTokenProvider(undefined as never)).toThrow(/needs an options object/);
    await expect(provider({ secretId: '' })).rejects.toThrow(ConfigurationError);
  });
});
