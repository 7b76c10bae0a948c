import { randomUUID } from 'node:crypto';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseLock } from '../../src/lock/index.js';
import { readCommitRecord } from '../../src/refresher/commit-record.js';
import {
  RefreshFailedError,
  RefreshStateLostError,
  TokenUnavailableError,
  seedState,
  status,
  type RefreshFunction,
} from '../../src/refresher/index.js';
import { STATE_FORMAT } from '../../src/refresher/refresh-state.js';
import { ConfigurationError } from '../../src/shared/errors.js';
import { rotatingGrant, refreshWithGrant, type RotatingGrant } from '../support/rotating-grant.js';
import { clientsFor, makeRig, startRefresherStack, type RefresherStack, type Rig } from './harness.js';

const HOUR = 3_600_000;

describe('Class: TokenRefresher (refresh state, DESIGN.md §9)', () => {
  let stack: RefresherStack;
  beforeAll(async () => {
    stack = await startRefresherStack();
  });
  afterAll(() => stack.close());

  /** Two processes on one secret whose refresh rotates the grant's refresh token; the state is seeded first. */
  async function rotatingFleet(options: { graceMs?: number } = {}) {
    const secretId = stack.secretName('rotating');
    const stateSecretId = `${secretId}-state`;
    const lockTable = await stack.table();
    const first = makeRig(stack, { secretId, lockTable });
    const grant = rotatingGrant({ clock: first.clock, lifetimeMs: HOUR, ...(options.graceMs === undefined ? {} : { graceMs: options.graceMs }) });
    const { secretsManager, dynamodb } = clientsFor(stack);
    await first.refresher.close();
    await seedState({ secretId, stateSecretId, lockTable, secretsManager, dynamodb, state: { refreshToken: grant.authorize() } });
    const rig = (refresh: RefreshFunction = refreshWithGrant(grant)) =>
      makeRig(stack, { secretId, stateSecretId, lockTable, refresh }, { clock: first.clock });
    return { secretId, stateSecretId, lockTable, grant, rig, clients: { secretsManager, dynamodb } };
  }

  function stateOnSecret(stateSecretId: string): { state: Record<string, string>; fence: number; versionId: string } {
    const output = stack.emulator.model.getSecretValue({ SecretId: stateSecretId, VersionStage: 'AWSCURRENT' });
    const parsed = JSON.parse(output.SecretString ?? '') as { format: string; state: Record<string, string>; fence: number };
    expect(parsed.format).toBe(STATE_FORMAT);
    return { state: parsed.state, fence: parsed.fence, versionId: output.VersionId ?? '' };
  }

  async function lockRecord(lockTable: string, rig: Rig) {
    const lock = new LeaseLock({ client: stack.dynamodb.client(), tableName: lockTable });
    const state = await lock.inspect(rig.refresher.lockName);
    return { record: readCommitRecord(state?.attributes ?? {}), attributes: state?.attributes ?? {} };
  }

  function expectNoValueOf(grant: RotatingGrant, places: string[]): void {
    const refreshTokens = grant.issued.filter((value) => value.startsWith('rt-'));
    expect(refreshTokens.length).toBeGreaterThan(0);
    for (const place of places) for (const value of refreshTokens) expect(place).not.toContain(value);
  }

  it('hands each refresh the state the last one returned, across processes, and never presents a refresh token twice', async () => {
    const { secretId, stateSecretId, lockTable, grant, rig } = await rotatingFleet();
    const a = rig();
    const b = rig();

    for (const holder of [a, b, a, b, a]) {
      // A process whose token another one replaced adopts that one first; its second call refreshes.
      let result = await holder.refresher.refreshNow();
      if (result.source === 'secret') result = await holder.refresher.refreshNow();
      expect(result.source).toBe('refreshed');
    }

    expect(grant.calls).toBe(5);
    expect(grant.refused).toBe(0);
    expect(grant.revokedAt).toBeUndefined();
    expect(stack.current(secretId)?.generation).toBe(5);
    const stored = stateOnSecret(stateSecretId);
    expect(stored.state.refreshToken).toBe(grant.issued.filter((value) => value.startsWith('rt-')).at(-1));
    const { record } = await lockRecord(lockTable, a);
    expect(record.refreshState).toEqual({ savedFence: stored.fence });
    expect(stack.versions(stateSecretId)).toHaveLength(6); // the seed, then one version per generation
    const saved = [...a.record.of('state-saved'), ...b.record.of('state-saved')];
    expect(saved.map((event) => event.stateVersionId)).toContain(stored.versionId);
    expect(saved).toHaveLength(5);
    await Promise.all([a.refresher.close(), b.refresher.close()]);
  });

  it('keeps refresh state out of the token secret, the lock item, events, logs and the served token (G9)', async () => {
    const { secretId, lockTable, grant, rig } = await rotatingFleet();
    const a = rig();
    const served = [(await a.refresher.getToken()).token, (await a.refresher.refreshNow()).token];
    const tokenVersions = stack
      .versions(secretId)
      .map((version) => stack.emulator.model.getSecretValue({ SecretId: secretId, VersionId: version.versionId }).SecretString ?? '');
    const { attributes } = await lockRecord(lockTable, a);

    expectNoValueOf(grant, [...tokenVersions, JSON.stringify(attributes), JSON.stringify(a.record.events), ...a.record.logs, ...served]);
    await a.refresher.close();
  });

  it('writes the minting marker before presenting the state, and clears it with the commit', async () => {
    const { lockTable, grant, rig } = await rotatingFleet();
    let markerDuringCall: number | undefined;
    let fence = 0;
    const a = rig(async (context) => {
      fence = context.fence;
      markerDuringCall = (await lockRecord(lockTable, a)).record.refreshState?.mintingFence;
      return refreshWithGrant(grant)(context);
    });

    await a.refresher.refreshNow();

    expect(markerDuringCall).toBe(fence);
    expect((await lockRecord(lockTable, a)).record.refreshState).toEqual({ savedFence: fence });
    await a.refresher.close();
  });

  it('refuses state returned when no stateSecretId keeps it, writing nothing', async () => {
    const secretId = stack.secretName('stateless');
    const lockTable = await stack.table();
    const a = makeRig(stack, { secretId, lockTable });
    a.issuer.behave(() => ({ token: 'tok-with-state', expiresAt: a.clock.now() + HOUR, state: { refreshToken: 'rt-lost' } }));

    const failure = await a.refresher.refreshNow().catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(TokenUnavailableError);
    const cause = (failure as TokenUnavailableError).lastFailure;
    expect(cause).toBeInstanceOf(RefreshFailedError);
    expect((cause as RefreshFailedError).reason).toBe('invalid-result');
    expect((cause as Error).message).toMatch(/no stateSecretId/);
    expect(`${(failure as Error).message} ${(cause as Error).message}`).not.toContain('rt-lost');
    expect(stack.versions(secretId)).toEqual([]);
    await a.refresher.close();
  });

  it('records a refusal for the fleet: no process presents the refused state again, status shows it, seed-state resumes', async () => {
    const { secretId, stateSecretId, lockTable, grant, rig, clients } = await rotatingFleet();
    const a = rig();
    const b = rig();
    await a.refresher.refreshNow();
    grant.refresh(stateOnSecret(stateSecretId).state.refreshToken); // someone else used the fleet's refresh token

    const here = await a.refresher.refreshNow().catch((error: unknown) => error);
    expect(here).toBeInstanceOf(RefreshStateLostError);
    expect((here as Error).message).toMatch(/seed-state --secret-id/);
    const callsAfterRefusal = grant.calls;
    b.clock.advance(2 * HOUR); // past any back-off: only the record can stop b now
    const there = await b.refresher.refreshNow().catch((error: unknown) => error);

    expect(there).toBeInstanceOf(RefreshStateLostError);
    expect(grant.calls).toBe(callsAfterRefusal);
    // What the GrantLost metric counts: the refusal, then each re-check under the lease once the
    // back-off ends (no provider call), so an alarm on it stays raised until seed-state.
    const refusals = (member: Rig) => member.record.events.filter((event) => event.type === 'refresh-failed');
    expect(refusals(a)).toEqual([expect.objectContaining({ reason: 'state-lost', errorName: 'RefreshStateLostError', failureCount: 1 })]);
    expect(refusals(b)).toEqual([expect.objectContaining({ reason: 'state-lost', errorName: 'RefreshStateLostError', failureCount: 2 })]);
    // A process without a token hears the same, also between its polls of the secret during the back-off.
    const c = rig();
    // The first call learns the back-off, the second takes this poll's read, the third is refused without reading.
    const calls: unknown[] = [];
    for (let call = 0; call < 3; call += 1) calls.push(await c.refresher.getToken().catch((error: unknown) => error));
    for (const error of calls) expect(error).toBeInstanceOf(RefreshStateLostError);
    expect(grant.calls).toBe(callsAfterRefusal);
    await c.refresher.close();
    const report = await status({ secretId, lockTable, ...clients });
    expect(report.refreshState).toMatchObject({ lost: true, lostVersionId: stateOnSecret(stateSecretId).versionId });

    const seeded = await seedState({ secretId, stateSecretId, lockTable, ...clients, state: { refreshToken: grant.authorize() } });
    expect(seeded.clearedStateLost).toBe(true);
    b.clock.advance(2 * 60_000); // the back-off b last learnt (at most maxBackoffMs) ends
    const resumed = await b.refresher.refreshNow();

    expect(resumed.source).toBe('refreshed');
    expect(grant.calls).toBe(callsAfterRefusal + 1);
    expect((await status({ secretId, lockTable, ...clients })).refreshState?.lost).toBe(false);
    await Promise.all([a.refresher.close(), b.refresher.close()]);
  });

  /** A holder whose provider answered (and rotated) but which died before storing the answer: closed inside its call. */
  async function dieAfterAnswer(grant: RotatingGrant, rig: (refresh?: RefreshFunction) => Rig): Promise<boolean[]> {
    const recovering: boolean[] = [];
    let answered: () => void = () => undefined;
    const inCall = new Promise<void>((resolve) => {
      answered = resolve;
    });
    const dying = rig((context) => {
      recovering.push(context.recovering);
      grant.refresh(context.state?.refreshToken);
      answered();
      return new Promise(() => undefined);
    });
    const call = dying.refresher.refreshNow().catch((error: unknown) => error);
    await inCall;
    await dying.refresher.close(); // releases the lease without a commit, as a takeover after a crash would find it
    await call;
    return recovering;
  }

  it('tells a takeover that the state may be used up when a holder presented it and never stored the answer', async () => {
    const { stateSecretId, lockTable, grant, rig } = await rotatingFleet();
    const before = stateOnSecret(stateSecretId);
    const recovering = await dieAfterAnswer(grant, rig);
    const survivor = rig((context) => {
      recovering.push(context.recovering);
      return refreshWithGrant(grant)(context);
    });
    expect((await lockRecord(lockTable, survivor)).record.refreshState?.mintingFence).toBeGreaterThan(before.fence);

    const outcome = await survivor.refresher.refreshNow().catch((error: unknown) => error);

    expect(recovering).toEqual([false, true]);
    expect(outcome).toBeInstanceOf(RefreshStateLostError);
    expect((outcome as Error).message).toMatch(/a holder that died had presented it already/);
    expect(grant.revokedAt).toBeDefined();
    await survivor.refresher.close();
  });

  it('recovers that takeover where the provider grants a reuse grace period', async () => {
    const { stateSecretId, lockTable, grant, rig } = await rotatingFleet({ graceMs: HOUR });
    await dieAfterAnswer(grant, rig);
    const survivor = rig();

    const result = await survivor.refresher.refreshNow();

    expect(result.source).toBe('refreshed');
    expect(grant.revokedAt).toBeUndefined();
    expect(stateOnSecret(stateSecretId).state.refreshToken).toBe(grant.issued.filter((value) => value.startsWith('rt-')).at(-1));
    expect((await lockRecord(lockTable, survivor)).record.refreshState?.mintingFence).toBeUndefined();
    await survivor.refresher.close();
  });
});

describe('Function: seedState', () => {
  let stack: RefresherStack;
  beforeAll(async () => {
    stack = await startRefresherStack();
  });
  afterAll(() => stack.close());

  it('rejects a state secret equal to the token secret, and state that is not string fields, before any request', async () => {
    const { secretsManager, dynamodb } = clientsFor(stack);
    const secretId = stack.secretName();
    const where = { secretId, lockTable: 'locks', secretsManager, dynamodb };
    await expect(seedState({ ...where, stateSecretId: secretId, state: { refreshToken: 'x' } })).rejects.toThrow(/other than "secretId"/);
    await expect(seedState({ ...where, stateSecretId: `${secretId}-state`, state: {} })).rejects.toThrow(ConfigurationError);
    await expect(
      seedState({ ...where, stateSecretId: `${secretId}-state`, state: { refreshToken: 7 } as unknown as Record<string, string> }),
    ).rejects.toThrow(/string fields/);
  });

  it('creates the state secret, replaces a hand-written value, and never returns the state', async () => {
    const { secretsManager, dynamodb } = clientsFor(stack);
    const secretId = stack.secretName();
    const stateSecretId = `${secretId}-state`;
    const lockTable = await stack.table();

    const first = await seedState({ secretId, stateSecretId, lockTable, secretsManager, dynamodb, state: { refreshToken: 'rt-one' } });
    stack.emulator.model.putSecretValue({
      SecretId: stateSecretId,
      SecretString: 'pasted by hand',
      ClientRequestToken: randomUUID(),
      VersionStages: ['AWSCURRENT'],
    });
    const second = await seedState({ secretId, stateSecretId, lockTable, secretsManager, dynamodb, state: { refreshToken: 'rt-two' } });

    expect(first.replacedVersionId).toBeUndefined();
    expect(second.replacedVersionId).not.toBe(first.stateVersionId);
    expect(second.fence).toBeGreaterThan(first.fence);
    expect(JSON.stringify([first, second])).not.toMatch(/rt-one|rt-two/);
    const stored = await secretsManager.send(new GetSecretValueCommand({ SecretId: stateSecretId }));
    expect(JSON.parse(stored.SecretString ?? '')).toMatchObject({ state: { refreshToken: 'rt-two' }, fence: second.fence });
  });
});
