import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseLock, MemoryLockStore } from '../../src/lock/index.js';
import { RollbackError, TokenUnavailableError, rollback, status, type StatusOptions } from '../../src/refresher/index.js';
import { ConfigurationError } from '../../src/shared/errors.js';
import { clientsFor, holdNextRefresh, makeRig, startRefresherStack, type RefresherStack } from './harness.js';

const HOUR = 3_600_000;

describe('Function: status', () => {
  let stack: RefresherStack;
  beforeAll(async () => {
    stack = await startRefresherStack();
  });
  afterAll(() => stack.close());

  it('rejects a lock given with a lockTable, and a lockTable that is not a table name, before any request', async () => {
    const lock = new LeaseLock({ store: new MemoryLockStore() });
    const { secretsManager } = clientsFor(stack);
    const both = { secretId: stack.secretName(), lock, lockTable: 'locks', secretsManager } as unknown as StatusOptions;
    await expect(status(both)).rejects.toThrow(/"lock" excludes "lockTable"/);
    await expect(status({ secretId: stack.secretName(), lockTable: 'x', secretsManager })).rejects.toThrow(ConfigurationError);
  });

  it('reports a secret that does not exist yet', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const { secretsManager, dynamodb } = clientsFor(stack);

    const report = await status({ secretId, lockTable, secretsManager, dynamodb });

    expect(report).toMatchObject({ secretId, label: 'AWSCURRENT', secretExists: false, current: undefined, lease: undefined, backoff: undefined });
    expect(report.census).toMatchObject({ total: 0, headroom: 100 });
  });

  it('reports generation, expiry, version, lease and census — never the token', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const rig = makeRig(stack, { secretId, lockTable });
    await rig.refresher.getToken();
    const latest = await rig.refresher.refreshNow();
    const { secretsManager, dynamodb } = clientsFor(stack);

    const report = await status({ secretId, lockTable, secretsManager, dynamodb, clock: rig.clock });

    expect(report).toMatchObject({
      secretExists: true,
      lockName: `token-refresher/${secretId}/AWSCURRENT`,
      current: { versionId: latest.versionId, format: 'envelope', generation: 2, expiresAt: latest.expiresAt.toISOString() },
      lease: { held: false, fence: 2 },
      commit: { versionId: latest.versionId, generation: 2 },
      census: { total: 2, labelled: 2, deprecated: 0, createdLast24h: 2, headroom: 98 },
    });
    expect(report.current?.stages).toEqual(expect.arrayContaining(['AWSCURRENT']));
    expect(report.current?.remainingMs).toBeGreaterThan(HOUR - 60_000);
    const printed = JSON.stringify(report);
    expect(rig.issuer.minted).toHaveLength(2);
    for (const token of rig.issuer.minted) expect(printed).not.toContain(token);
    await rig.refresher.close();
  });

  it('reports the fleet back-off after a failed refresh', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const rig = makeRig(stack, { secretId, lockTable });
    rig.issuer.behave(() => {
      throw new Error('down');
    });
    await expect(rig.refresher.getToken()).rejects.toThrow(TokenUnavailableError);
    const { secretsManager, dynamodb } = clientsFor(stack);

    const report = await status({ secretId, lockTable, secretsManager, dynamodb, clock: rig.clock });

    expect(report.backoff).toMatchObject({ reason: 'threw', errorName: 'RefreshFailedError', failureCount: 1 });
    await rig.refresher.close();
  });

  it('describes an unreadable value without printing it', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const { secretsManager, dynamodb } = clientsFor(stack);
    await secretsManager.send(new CreateSecretCommand({ Name: secretId, SecretString: 'hunter2-by-hand' }));

    const report = await status({ secretId, lockTable, secretsManager, dynamodb });

    expect(report.current).toMatchObject({ format: 'unreadable', problem: 'the value is not JSON' });
    expect(JSON.stringify(report)).not.toContain('hunter2');
  });
});

describe('Function: rollback', () => {
  let stack: RefresherStack;
  beforeAll(async () => {
    stack = await startRefresherStack();
  });
  afterAll(() => stack.close());

  it('moves AWSCURRENT back to AWSPREVIOUS with RemoveFromVersionId and records it, so generations keep growing', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const rig = makeRig(stack, { secretId, lockTable });
    const good = await rig.refresher.getToken();
    const bad = await rig.refresher.refreshNow();
    const { secretsManager, dynamodb } = clientsFor(stack);

    const result = await rollback({ secretId, lockTable, secretsManager, dynamodb });

    expect(result).toMatchObject({ label: 'AWSCURRENT', fromVersionId: bad.versionId, toVersionId: good.versionId, generation: 1, fence: 3 });
    expect(stack.current(secretId)?.versionId).toBe(good.versionId);
    expect(stack.current(secretId, 'AWSPREVIOUS')?.versionId).toBe(bad.versionId);
    const report = await status({ secretId, lockTable, secretsManager, dynamodb });
    expect(report.commit).toMatchObject({ versionId: good.versionId, generation: 1, highestGeneration: 2, rolledBackFrom: bad.versionId });

    const reader = makeRig(stack, { secretId, lockTable }, rig);
    expect(await reader.refresher.getToken()).toMatchObject({ versionId: good.versionId, source: 'secret' });
    expect((await reader.refresher.refreshNow()).generation).toBe(3);
    await Promise.all([rig.refresher.close(), reader.refresher.close()]);
  });

  it('waits for a refresh in progress instead of racing it', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const rig = makeRig(stack, { secretId, lockTable });
    await rig.refresher.getToken();
    const held = holdNextRefresh(rig, { token: 'tok-during-rollback' });
    const refreshing = rig.refresher.refreshNow();
    await held.started;
    const { secretsManager, dynamodb } = clientsFor(stack);

    const rolling = rollback({ secretId, lockTable, secretsManager, dynamodb });
    held.release();
    const [refreshed, result] = await Promise.all([refreshing, rolling]);

    expect(result.fromVersionId).toBe(refreshed.versionId);
    expect(stack.current(secretId)?.generation).toBe(1);
    await rig.refresher.close();
  });

  it('rolls a custom label back to the version its last refresh replaced', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const rig = makeRig(stack, { secretId, lockTable, label: 'api' });
    const good = await rig.refresher.getToken();
    const bad = await rig.refresher.refreshNow();
    const { secretsManager, dynamodb } = clientsFor(stack);

    const result = await rollback({ secretId, lockTable, label: 'api', secretsManager, dynamodb });

    expect(result).toMatchObject({ fromVersionId: bad.versionId, toVersionId: good.versionId });
    expect(stack.current(secretId, 'api')?.versionId).toBe(good.versionId);
    await rig.refresher.close();
  });

  it.each([
    ['there is no previous version', undefined, /AWSPREVIOUS|no previous|nothing/],
    ['the target version does not exist', 'ffffffff-ffff-8fff-bfff-ffffffffffff', /no version/],
  ])('refuses with RollbackError when %s', async (_, toVersionId, message) => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const rig = makeRig(stack, { secretId, lockTable });
    await rig.refresher.getToken();
    const { secretsManager, dynamodb } = clientsFor(stack);

    const attempt = rollback({ secretId, lockTable, secretsManager, dynamodb, ...(toVersionId === undefined ? {} : { toVersionId }) });

    await expect(attempt).rejects.toThrow(RollbackError);
    await expect(rollback({ secretId, lockTable, secretsManager, dynamodb, ...(toVersionId === undefined ? {} : { toVersionId }) })).rejects.toThrow(
      message,
    );
    expect(stack.current(secretId)?.generation).toBe(1);
    await rig.refresher.close();
  });
});
