import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseLock } from '../../src/lock/index.js';
import { RefreshTimeoutError, TokenUnavailableError } from '../../src/refresher/index.js';
import { ConfigurationError } from '../../src/shared/errors.js';
import { spawnTypeScript } from '../support/processes.js';
import { holdNextRefresh, makeRig, startRefresherStack, type RefresherStack } from './harness.js';

const MINUTE = 60_000;

describe('Class: TokenRefresher (per-call bounds, awaitRefresh and refreshAt)', () => {
  let stack: RefresherStack;
  beforeAll(async () => {
    stack = await startRefresherStack();
  });
  afterAll(() => stack.close());

  it("reports this process's refresh point as refreshAt, inside the first half of the refresh window, the same on every serve", async () => {
    const rig = makeRig(stack, { secretId: stack.secretName(), lockTable: await stack.table() });
    const first = await rig.refresher.getToken();
    const expiresAt = first.expiresAt.getTime();
    expect(first.refreshAt.getTime()).toBeGreaterThanOrEqual(expiresAt - 5 * MINUTE);
    expect(first.refreshAt.getTime()).toBeLessThanOrEqual(expiresAt - 2.5 * MINUTE);
    expect((await rig.refresher.getToken()).refreshAt).toEqual(first.refreshAt);
    await rig.refresher.close();
  });

  it("caps the lease of a refresh a call starts at the call's leaseMs, never above the configured one", async () => {
    const lockTable = await stack.table();
    const rig = makeRig(stack, { secretId: stack.secretName(), lockTable });
    const lock = new LeaseLock({ client: rig.clients.dynamodb, tableName: lockTable });
    const leases: Array<number | undefined> = [];
    rig.issuer.behave(async (context) => {
      leases.push((await lock.inspect(rig.refresher.lockName))?.leaseMs);
      rig.issuer.behave(undefined);
      return rig.issuer.refresh(context);
    });
    await rig.refresher.getToken({ leaseMs: 750 });
    rig.issuer.behave(async (context) => {
      leases.push((await lock.inspect(rig.refresher.lockName))?.leaseMs);
      rig.issuer.behave(undefined);
      return rig.issuer.refresh(context);
    });
    await rig.refresher.refreshNow({ leaseMs: Number.POSITIVE_INFINITY });
    expect(leases).toEqual([750, 10_000]);
    await lock.close();
    await rig.refresher.close();
  });

  it("aborts the refresh function after the call's refreshTimeoutMs", async () => {
    const rig = makeRig(stack, { secretId: stack.secretName(), lockTable: await stack.table() });
    rig.issuer.behave(
      ({ signal }) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })),
    );
    const error = await rig.refresher.getToken({ refreshTimeoutMs: 200 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenUnavailableError);
    expect((error as TokenUnavailableError).lastFailure).toBeInstanceOf(RefreshTimeoutError);
    expect(((error as TokenUnavailableError).lastFailure as RefreshTimeoutError).timeoutMs).toBe(200);
    await rig.refresher.close();
  });

  it('with awaitRefresh, the call that passes the refresh point gets the refreshed token itself; without, the cached one while the refresh runs behind', async () => {
    const lockTable = await stack.table();
    const waiting = makeRig(stack, { secretId: stack.secretName(), lockTable });
    const first = await waiting.refresher.getToken();
    waiting.clock.advance(58 * MINUTE);
    expect(await waiting.refresher.getToken({ awaitRefresh: true })).toMatchObject({ source: 'refreshed', generation: first.generation + 1 });

    const background = makeRig(stack, { secretId: stack.secretName(), lockTable });
    const cached = await background.refresher.getToken();
    background.clock.advance(58 * MINUTE);
    expect(await background.refresher.getToken()).toMatchObject({ source: 'memory', versionId: cached.versionId });
    await background.record.next('refreshed', 2);
    await Promise.all([waiting.refresher.close(), background.refresher.close()]);
  });

  it('with awaitRefresh, serves the valid token at once while another process holds the lease', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const holder = makeRig(stack, { secretId, lockTable });
    const reader = makeRig(stack, { secretId, lockTable }, holder);
    const first = await holder.refresher.getToken();
    await reader.refresher.getToken();
    holder.clock.advance(58 * MINUTE);

    const held = holdNextRefresh(holder);
    const refreshing = holder.refresher.getToken({ awaitRefresh: true });
    await holder.record.next('refresh-started');
    expect(await reader.refresher.getToken({ awaitRefresh: true })).toMatchObject({ versionId: first.versionId, generation: first.generation });
    expect(reader.record.of('lease-busy')).toHaveLength(1);
    held.release();
    expect(await refreshing).toMatchObject({ source: 'refreshed', generation: first.generation + 1 });
    expect(holder.issuer.minted).toHaveLength(2);
    await Promise.all([holder.refresher.close(), reader.refresher.close()]);
  });

  it('with awaitRefresh, serves the still-valid token when the caller stops waiting; the refresh goes on', async () => {
    const rig = makeRig(stack, { secretId: stack.secretName(), lockTable: await stack.table() });
    const first = await rig.refresher.getToken();
    rig.clock.advance(58 * MINUTE);
    const held = holdNextRefresh(rig);
    const stop = new AbortController();
    const call = rig.refresher.getToken({ awaitRefresh: true, signal: stop.signal });
    await rig.record.next('refresh-started');
    stop.abort(new Error('the invocation is about to time out'));
    expect(await call).toMatchObject({ source: 'memory', versionId: first.versionId });
    held.release();
    expect(await rig.record.next('refreshed', 2)).toMatchObject({ generation: first.generation + 1 });
    await rig.refresher.close();
  });

  it("with awaitRefresh, keeps the process alive while the caller waits, even when only an unref'd timer is pending", async () => {
    const child = spawnTypeScript('test/refresher/await-refresh-process.ts', [
      stack.secretName(),
      await stack.table(),
      stack.dynamodb.endpoint,
      stack.emulator.endpoint,
    ]);
    expect(await child.nextJson()).toEqual({ source: 'refreshed', generation: 2 });
    expect(await child.exited).toEqual({ code: 0, signal: null });
  });

  it('rejects per-call options it cannot honour with a ConfigurationError that names them', async () => {
    const rig = makeRig(stack, { secretId: stack.secretName(), lockTable: await stack.table() });
    await expect(rig.refresher.getToken({ leaseMs: 50 })).rejects.toThrow(
      /Per-call option "leaseMs" must be a number of milliseconds of at least 100; got 50/,
    );
    await expect(rig.refresher.getToken({ leaseMs: Number.NaN })).rejects.toThrow(ConfigurationError);
    await expect(rig.refresher.refreshNow({ refreshTimeoutMs: 0 })).rejects.toThrow(
      /"refreshTimeoutMs" must be a number of milliseconds of at least 1; got 0/,
    );
    await expect(rig.refresher.getToken({ awaitRefresh: 'yes' as never })).rejects.toThrow(/"awaitRefresh" must be true or false; got "yes"/);
    await expect(rig.refresher.getToken(null as never)).rejects.toThrow(/take an options object/);
    expect(rig.clients.counter.snapshot().attempts).toEqual({});
    await rig.refresher.close();
  });
});
