import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCommitRecord } from '../../src/refresher/commit-record.js';
import { RefreshFailedError, RefreshTimeoutError, TokenUnavailableError, type FailureRecord } from '../../src/refresher/index.js';
import { LeaseLock } from '../../src/lock/index.js';
import { SecretAccessError } from '../../src/secret/errors.js';
import { InvalidSecretPayloadError, InvalidTokenError } from '../../src/token/errors.js';
import { ENVELOPE_FORMAT } from '../../src/token/codec.js';
import { clientsFor, holdNextRefresh, makeRig, requestsSince, startRefresherStack, type RefresherStack, type Rig } from './harness.js';

const HOUR = 3_600_000;
/** Past every jittered refresh point of an hour-long token, with 2.5 minutes of validity left. */
const INTO_WINDOW = HOUR - 150_000 + 1_000;

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('Class: TokenRefresher (failures)', () => {
  let stack: RefresherStack;
  beforeAll(async () => {
    stack = await startRefresherStack();
  });
  afterAll(() => stack.close());

  async function rigWithToken(): Promise<{ rig: Rig; secretId: string; lockTable: string }> {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const rig = makeRig(stack, { secretId, lockTable, minBackoffMs: 60_000 });
    await rig.refresher.getToken();
    return { rig, secretId, lockTable };
  }

  it('keeps serving the valid token when the refresh throws, and the fleet backs off instead of calling the provider again', async () => {
    const { rig, secretId, lockTable } = await rigWithToken();
    const first = rig.issuer.minted[0];
    let calls = 0;
    rig.issuer.behave(() => {
      calls += 1;
      throw new Error('identity provider answered 503');
    });
    rig.clock.advance(INTO_WINDOW);

    expect(await rig.refresher.getToken()).toMatchObject({ source: 'memory', token: first });
    const failed = await rig.record.next('refresh-failed');
    expect(failed).toMatchObject({ reason: 'threw', errorName: 'RefreshFailedError', failureCount: 1 });
    expect(failed.retryNotBefore).toBeGreaterThan(rig.clock.now());
    expect(await rig.refresher.getToken()).toMatchObject({ source: 'memory', token: first });

    const other = makeRig(stack, { secretId, lockTable }, rig);
    expect(await other.refresher.getToken()).toMatchObject({ source: 'secret', token: first });
    expect(other.record.of('backing-off')).toHaveLength(1);
    expect(calls).toBe(1);

    const lock = new LeaseLock({ client: stack.dynamodb.client(), tableName: lockTable });
    const record = readCommitRecord((await lock.inspect(rig.refresher.lockName))?.attributes ?? {});
    expect(record.failure).toMatchObject({ reason: 'threw', errorName: 'RefreshFailedError', failureCount: 1 });
    await Promise.all([rig.refresher.close(), other.refresher.close()]);
  });

  it('refreshes again once the back-off has passed, and clears the failure record', async () => {
    const { rig, lockTable } = await rigWithToken();
    rig.issuer.behave(() => {
      throw new Error('temporarily unavailable');
    });
    rig.clock.advance(INTO_WINDOW);
    await rig.refresher.getToken();
    const failed = await rig.record.next('refresh-failed');

    rig.issuer.behave(undefined);
    rig.clock.advance(failed.retryNotBefore - rig.clock.now() + 1);
    const refreshed = await rig.refresher.refreshNow();

    expect(refreshed).toMatchObject({ source: 'refreshed', generation: 2, token: rig.issuer.minted[1] });
    const lock = new LeaseLock({ client: stack.dynamodb.client(), tableName: lockTable });
    const state = await lock.inspect(rig.refresher.lockName);
    if (state === undefined) throw new Error(`no lock item ${rig.refresher.lockName}`);
    // The record of the refresh that cleared the failure: an empty record would have no failure either.
    const record = readCommitRecord(state.attributes);
    expect(record).toMatchObject({ generation: 2, versionId: refreshed.versionId });
    expect(record.failure).toBeUndefined();
    await rig.refresher.close();
  });

  it('throws TokenUnavailableError with the refresh failure as lastFailure when no valid token exists', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const rig = makeRig(stack, { secretId, lockTable });
    const original = new Error('invalid_client');
    rig.issuer.behave(() => Promise.reject(original));

    const error = await rejection(rig.refresher.getToken());

    expect(error).toBeInstanceOf(TokenUnavailableError);
    const lastFailure = (error as TokenUnavailableError).lastFailure;
    expect(lastFailure).toBeInstanceOf(RefreshFailedError);
    expect((lastFailure as RefreshFailedError).reason).toBe('threw');
    expect((lastFailure as RefreshFailedError).cause).toBe(original);
    expect(error.message).toContain(secretId);

    const other = makeRig(stack, { secretId, lockTable }, rig);
    const otherError = await rejection(other.refresher.getToken());
    expect(otherError).toBeInstanceOf(TokenUnavailableError);
    expect((otherError as TokenUnavailableError).lastFailure as FailureRecord).toMatchObject({ reason: 'threw', failureCount: 1 });
    expect(otherError.message).toMatch(/backing off/);
    await Promise.all([rig.refresher.close(), other.refresher.close()]);
  });

  it('answers callers without a token at once during the fleet back-off, reading the secret at most once per poll interval', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const rig = makeRig(stack, { secretId, lockTable, pollMs: 60_000, minBackoffMs: 60_000 });
    rig.issuer.behave(() => Promise.reject(new Error('invalid_client')));
    await rejection(rig.refresher.getToken());
    const before = rig.clients.counter.snapshot().attempts;

    const errors = await Promise.all(Array.from({ length: 20 }, () => rejection(rig.refresher.getToken())));

    expect(errors.every((error) => error instanceof TokenUnavailableError && /backing off/.test(error.message))).toBe(true);
    expect(requestsSince(rig.clients.counter, before)).toEqual({ GetSecretValue: 1 });
    for (let call = 0; call < 20; call += 1) await rejection(rig.refresher.getToken());
    expect(requestsSince(rig.clients.counter, before)).toEqual({ GetSecretValue: 1 });
    await rig.refresher.close();
  });

  it('gives up waiting for another process after followerDeadlineMs with TokenUnavailableError', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const holder = makeRig(stack, { secretId, lockTable });
    const held = holdNextRefresh(holder, { token: 'tok-slow' });
    const slow = holder.refresher.getToken();
    await held.started;
    const follower = makeRig(stack, { secretId, lockTable, followerDeadlineMs: 300 }, holder);

    const error = await rejection(follower.refresher.getToken());

    expect(error).toBeInstanceOf(TokenUnavailableError);
    expect(error.message).toMatch(/waited 300 ms \(followerDeadlineMs\)/);
    expect(follower.record.of('waited')).toEqual([expect.objectContaining({ outcome: 'timeout' })]);
    held.release();
    expect((await slow).token).toBe('tok-slow');
    expect((await follower.refresher.getToken()).token).toBe('tok-slow');
    await Promise.all([holder.refresher.close(), follower.refresher.close()]);
  });

  it('aborts a refresh that hangs past refreshTimeoutMs and reports RefreshTimeoutError', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const rig = makeRig(stack, { secretId, lockTable, refreshTimeoutMs: 200 });
    let seen: AbortSignal | undefined;
    rig.issuer.behave(({ signal }) => {
      seen = signal;
      return new Promise(() => undefined); // ignores its signal: the refresher must not wait for it
    });

    const error = await rejection(rig.refresher.getToken());

    expect(error).toBeInstanceOf(TokenUnavailableError);
    expect((error as TokenUnavailableError).lastFailure).toBeInstanceOf(RefreshTimeoutError);
    expect(seen?.aborted).toBe(true);
    expect(rig.record.of('refresh-failed')[0]).toMatchObject({ reason: 'timed-out', errorName: 'RefreshTimeoutError' });
    await rig.refresher.close();
  });

  it.each([
    ['no token', () => ({ expiresAt: Date.now() + HOUR }), 'no-token'],
    ['a non-string token', () => ({ token: 12345, expiresAt: Date.now() + HOUR }), 'no-token'],
    ['an expiry in the past', () => ({ token: 'garbage-token-past', expiresAt: Date.now() - 1_000 }), 'expired'],
    ['an expiry in seconds', () => ({ token: 'garbage-token-secs', expiresAt: Math.floor(Date.now() / 1000) + 3600 }), 'bad-expiry'],
    ['nothing at all', () => undefined, 'not-an-object'],
    ['a payload over 64 KiB', () => ({ token: 'x'.repeat(70_000), expiresAt: Date.now() + HOUR }), 'too-large'],
  ])('rejects a refresh result with %s as invalid-result without writing a version', async (_, result, reason) => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const rig = makeRig(stack, { secretId, lockTable });
    rig.issuer.behave(() => result());

    const error = await rejection(rig.refresher.getToken());

    expect(error).toBeInstanceOf(TokenUnavailableError);
    const failure = (error as TokenUnavailableError).lastFailure as RefreshFailedError;
    expect(failure).toBeInstanceOf(RefreshFailedError);
    expect(failure.reason).toBe('invalid-result');
    const cause = reason === 'too-large' ? (failure.cause as InvalidTokenError) : (failure.cause as InvalidTokenError);
    expect(cause).toBeInstanceOf(InvalidTokenError);
    expect(cause.reason).toBe(reason);
    expect(error.message).not.toMatch(/garbage-token|xxxxxxxx/);
    expect(stack.versions(secretId)).toEqual([]);
    await rig.refresher.close();
  });

  it.each([
    ['plain text', 'hunter2-hand-written-value'],
    ['another JSON format', JSON.stringify({ access_token: 'hunter2-hand-written-value', expires_in: 3600 })],
  ])('names the secret and the expected format when AWSCURRENT holds %s, without printing it', async (_, value) => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const { secretsManager } = clientsFor(stack);
    await secretsManager.send(new CreateSecretCommand({ Name: secretId, SecretString: value }));
    const rig = makeRig(stack, { secretId, lockTable });

    const error = await rejection(rig.refresher.getToken());

    expect(error).toBeInstanceOf(InvalidSecretPayloadError);
    expect(error.message).toContain(secretId);
    expect(error.message).toContain(ENVELOPE_FORMAT);
    expect(error.message).not.toContain('hunter2');
    expect(rig.issuer.minted).toEqual([]);
    expect(stack.versions(secretId)).toHaveLength(1);
    await rig.refresher.close();
  });

  it('fills a secret that exists without a value, without creating it again', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const { secretsManager } = clientsFor(stack);
    await secretsManager.send(new CreateSecretCommand({ Name: secretId }));
    const rig = makeRig(stack, { secretId, lockTable });

    const result = await rig.refresher.getToken();

    expect(result).toMatchObject({ source: 'refreshed', generation: 1 });
    expect(rig.clients.counter.snapshot().attempts.CreateSecret).toBeUndefined();
    expect(stack.current(secretId)).toEqual({ versionId: result.versionId, generation: 1 });
    await rig.refresher.close();
  });

  it('refuses to create a missing secret given by ARN, saying what to do', async () => {
    const lockTable = await stack.table();
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:test/absent-AbCdEf';
    const rig = makeRig(stack, { secretId: arn, lockTable });

    const error = await rejection(rig.refresher.getToken());

    expect(error).toBeInstanceOf(SecretAccessError);
    expect(error.message).toMatch(/cannot be created from an ARN/);
    expect(rig.issuer.minted).toEqual([]);
    await rig.refresher.close();
  });
});
