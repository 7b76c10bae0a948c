import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenCodec } from '../../src/token/codec.js';
import { holdNextRefresh, makeRig, startRefresherStack, type RefresherStack } from './harness.js';

const HOUR = 3_600_000;

/** A format other readers of the secret might expect: no generation, expiry in epoch seconds. */
const oauthCodec: TokenCodec = {
  format: 'a JSON object {"access_token": string, "expires_at": epoch seconds}',
  encode: (envelope) => JSON.stringify({ access_token: envelope.token, expires_at: Math.floor(envelope.expiresAt / 1000) }),
  decode: (value) => {
    const parsed = JSON.parse(value) as { access_token?: unknown; expires_at?: unknown };
    if (typeof parsed.access_token !== 'string' || typeof parsed.expires_at !== 'number') throw new Error('missing access_token or expires_at');
    return { token: parsed.access_token, expiresAt: parsed.expires_at * 1000 };
  },
};

describe('Class: TokenRefresher (features)', () => {
  let stack: RefresherStack;
  beforeAll(async () => {
    stack = await startRefresherStack();
  });
  afterAll(() => stack.close());

  it('invalidate(token) forces one refresh for many concurrent 401s across processes', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const a = makeRig(stack, { secretId, lockTable });
    const rejected = await a.refresher.getToken();
    const b = makeRig(stack, { secretId, lockTable }, a);
    await b.refresher.getToken();

    expect(a.refresher.invalidate(rejected.token)).toBe(true);
    expect(b.refresher.invalidate(rejected.token)).toBe(true);
    const results = await Promise.all([
      ...Array.from({ length: 10 }, () => a.refresher.getToken()),
      ...Array.from({ length: 10 }, () => b.refresher.getToken()),
    ]);

    expect(a.issuer.minted).toHaveLength(2);
    expect(new Set(results.map((result) => result.token))).toEqual(new Set([a.issuer.minted[1]]));
    expect(results.every((result) => result.generation === 2)).toBe(true);
    expect(a.refresher.invalidate(rejected.token)).toBe(false); // no longer current: nothing to do
    expect((await a.refresher.getToken()).source).toBe('memory');
    await Promise.all([a.refresher.close(), b.refresher.close()]);
  });

  it('invalidate of a token another process already replaced adopts the replacement without refreshing', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const a = makeRig(stack, { secretId, lockTable });
    const old = await a.refresher.getToken();
    const b = makeRig(stack, { secretId, lockTable }, a);
    await b.refresher.getToken();
    a.refresher.invalidate(old.token);
    const replaced = await a.refresher.getToken();

    b.refresher.invalidate(old.token);
    const adopted = await b.refresher.getToken();

    expect(adopted).toMatchObject({ source: 'secret', versionId: replaced.versionId });
    expect(a.issuer.minted).toHaveLength(2);
    await Promise.all([a.refresher.close(), b.refresher.close()]);
  });

  it('refreshNow replaces even a fresh token, and concurrent calls in two processes share one refresh', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const a = makeRig(stack, { secretId, lockTable });
    const first = await a.refresher.getToken();
    const b = makeRig(stack, { secretId, lockTable }, a);
    await b.refresher.getToken();

    const [fromA, fromB] = await Promise.all([a.refresher.refreshNow(), b.refresher.refreshNow()]);

    expect(a.issuer.minted).toHaveLength(2);
    expect(fromA.versionId).not.toBe(first.versionId);
    expect(fromB.versionId).toBe(fromA.versionId);
    expect(fromA.generation).toBe(2);
    await Promise.all([a.refresher.close(), b.refresher.close()]);
  });

  it('keeps several tokens in one secret under custom labels, each with its own lock', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const reader = makeRig(stack, { secretId, lockTable, label: 'read-token' });
    const writer = makeRig(stack, { secretId, lockTable, label: 'write-token' });

    const read = await reader.refresher.getToken();
    const write = await writer.refresher.getToken();
    reader.clock.advance(HOUR - 150_000 + 1_000);
    await reader.refresher.getToken();
    const rotated = await reader.record.next('refreshed');

    expect(read.token).toBe(reader.issuer.minted[0]);
    expect(write.token).toBe(writer.issuer.minted[0]);
    expect(reader.refresher.lockName).toBe(`token-refresher/${secretId}/read-token`);
    expect(writer.refresher.lockName).toBe(`token-refresher/${secretId}/write-token`);
    expect(stack.current(secretId, 'read-token')?.versionId).toBe(rotated.versionId);
    expect(stack.current(secretId, 'write-token')?.versionId).toBe(write.versionId);
    expect(stack.current(secretId, 'AWSCURRENT')?.versionId).toBe(read.versionId); // attached to the first value by Secrets Manager
    expect((await writer.refresher.getToken()).token).toBe(write.token);
    await Promise.all([reader.refresher.close(), writer.refresher.close()]);
  });

  it('stores tokens in a custom codec format that other readers expect', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const writer = makeRig(stack, { secretId, lockTable, codec: oauthCodec });
    const written = await writer.refresher.getToken();
    const reader = makeRig(stack, { secretId, lockTable, codec: oauthCodec }, writer);

    const read = await reader.refresher.getToken();

    const stored = JSON.parse(stack.emulator.model.getSecretValue({ SecretId: secretId }).SecretString ?? '') as Record<string, unknown>;
    expect(Object.keys(stored).sort()).toEqual(['access_token', 'expires_at']);
    expect(stored.access_token).toBe(written.token);
    expect(read).toMatchObject({ source: 'secret', token: written.token, generation: 0 });
    expect(read.expiresAt.getTime()).toBe(Math.floor(written.expiresAt.getTime() / 1000) * 1000);
    await Promise.all([writer.refresher.close(), reader.refresher.close()]);
  });

  it('warns at construction when the expected lifetime implies more than 90 versions a day', async () => {
    const lockTable = await stack.table();
    const rig = makeRig(stack, { secretId: stack.secretName(), lockTable, expectedLifetimeMs: 5 * 60_000 });

    expect(rig.record.of('quota-warning')).toEqual([
      {
        type: 'quota-warning',
        versionsPerDay: expect.closeTo(86_400_000 / (300_000 - 0.75 * 150_000), 3) as unknown,
        lifetimeMs: 300_000,
        limit: 90,
      },
    ]);
    expect(rig.record.logs.filter((line) => line.startsWith('warn'))).toHaveLength(1);
    const quiet = makeRig(stack, { secretId: stack.secretName(), lockTable, expectedLifetimeMs: HOUR });
    expect(quiet.record.of('quota-warning')).toEqual([]);
    await Promise.all([rig.refresher.close(), quiet.refresher.close()]);
  });

  it('warns once when the tokens it sees are short-lived', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const rig = makeRig(stack, { secretId, lockTable }, { lifetimeMs: 60_000 });
    await rig.refresher.getToken();
    await rig.refresher.getToken();
    expect(rig.record.of('quota-warning')).toHaveLength(1);
    await rig.refresher.close();
  });

  it('serves callers after close() with a clear error', async () => {
    const rig = makeRig(stack, { secretId: stack.secretName(), lockTable: await stack.table() });
    await rig.refresher.close();
    await expect(rig.refresher.getToken()).rejects.toThrow(/closed/);
  });

  it('stops a caller that aborts its signal while others keep going', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const rig = makeRig(stack, { secretId, lockTable });
    const held = holdNextRefresh(rig, { token: 'tok-after-gate' });
    const controller = new AbortController();
    const impatient = rig.refresher.getToken({ signal: controller.signal });
    const patient = rig.refresher.getToken();
    controller.abort(new Error('caller gave up'));

    await expect(impatient).rejects.toThrow('caller gave up');
    held.release();
    expect((await patient).token).toBe('tok-after-gate');
    await rig.refresher.close();
  });
});
