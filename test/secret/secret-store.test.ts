import { CreateSecretCommand, DeleteSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SecretAccessError, VersionQuotaError } from '../../src/secret/errors.js';
import { SecretStore } from '../../src/secret/secret-store.js';
import { pendingVersionId } from '../../src/secret/version-id.js';
import { SdkCallCounter } from '../../devkit/sdk-counters.js';
import { startEmulatorUnderTest, uniqueName, type EmulatorUnderTest } from '../support/secrets-manager.js';

const versionId = (fence: number): string => pendingVersionId({ secretName: 's', label: 'AWSCURRENT', epoch: 'e', fence });

describe('Class: SecretStore', () => {
  let sm: EmulatorUnderTest;
  beforeAll(async () => {
    sm = await startEmulatorUnderTest({ maxVersionsPerSecret: 8 });
  });
  afterAll(() => sm.close());
  afterEach(() => sm.emulator.faults.clear());

  function store(secretId: string, maxAttempts = 3): { store: SecretStore; counter: SdkCallCounter; inputs: Array<Record<string, unknown>> } {
    const counter = new SdkCallCounter();
    const client = counter.attach(sm.client({ maxAttempts }));
    const inputs: Array<Record<string, unknown>> = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        inputs.push({ ...(args.input as Record<string, unknown>) });
        return next(args);
      },
      { step: 'initialize', name: 'recordInputs' },
    );
    return { store: new SecretStore({ client, secretId, random: () => 0 }), counter, inputs };
  }

  it('reads a label with an explicit VersionStage and reports what is missing', async () => {
    const name = uniqueName('store');
    const { store: missing, inputs } = store(name);
    expect(await missing.read('AWSCURRENT')).toEqual({ found: false, missing: 'secret' });
    await sm.client().send(new CreateSecretCommand({ Name: name }));
    expect(await missing.read('AWSCURRENT')).toEqual({ found: false, missing: 'label' });
    await sm.client().send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v1', ClientRequestToken: versionId(1) }));

    const read = await missing.read('AWSCURRENT');

    expect(read).toMatchObject({ found: true, versionId: versionId(1), value: 'v1', stages: ['AWSCURRENT'] });
    // One GetSecretValue per read (an empty list would pass the every() check too).
    expect(inputs.map((input) => input.VersionStage)).toEqual(['AWSCURRENT', 'AWSCURRENT', 'AWSCURRENT']);
  });

  it('creates a missing secret once and reports one created by someone else', async () => {
    const name = uniqueName('store');
    expect(await store(name).store.ensureSecret()).toBe('created');
    expect(await store(name).store.ensureSecret()).toBe('existed');
  });

  it('writes a pending version without touching AWSCURRENT, and a repeat creates nothing', async () => {
    const name = uniqueName('store');
    await sm.client().send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: versionId(1) }));
    const { store: s } = store(name);

    await s.putPending({ value: 'v2', versionId: versionId(2) });
    await s.putPending({ value: 'v2', versionId: versionId(2) });

    expect(await s.read('AWSCURRENT')).toMatchObject({ versionId: versionId(1), value: 'v1' });
    expect(await s.read('AWSPENDING')).toMatchObject({ versionId: versionId(2), value: 'v2' });
    expect((await s.census({ quota: 100, guard: 10 })).total).toBe(2);
  });

  it('creates one version when the PutSecretValue response is lost and the SDK retries', async () => {
    const name = uniqueName('store');
    await sm.client().send(new CreateSecretCommand({ Name: name }));
    const { store: s, counter } = store(name);
    sm.emulator.faults.configure({ operations: { PutSecretValue: { dropResponseNext: 1 } } });

    await s.putPending({ value: 'v1', versionId: versionId(1) });

    expect(counter.snapshot().attempts.PutSecretValue).toBe(2);
    expect((await s.census({ quota: 100, guard: 10 })).total).toBe(1);
  });

  it('moves a label by compare-and-swap and reports a conflict when it is not where expected', async () => {
    const name = uniqueName('store');
    await sm.client().send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: versionId(1) }));
    const { store: s } = store(name);
    await s.putPending({ value: 'v2', versionId: versionId(2) });
    await s.putPending({ value: 'v3', versionId: versionId(3) });

    expect(await s.moveLabel({ label: 'AWSCURRENT', moveTo: versionId(2), removeFrom: versionId(1) })).toBe('moved');
    expect(await s.moveLabel({ label: 'AWSCURRENT', moveTo: versionId(3), removeFrom: versionId(1) })).toBe('conflict'); // a late writer
    expect(await s.moveLabel({ label: 'AWSCURRENT', moveTo: versionId(3), removeFrom: undefined })).toBe('conflict');

    expect(await s.read('AWSCURRENT')).toMatchObject({ versionId: versionId(2) });
    expect(await s.read('AWSPREVIOUS')).toMatchObject({ versionId: versionId(1) });
  });

  it('attaches a custom label that no version holds yet', async () => {
    const name = uniqueName('store');
    await sm.client().send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: versionId(1) }));
    const { store: s } = store(name);
    expect(await s.moveLabel({ label: 'read', moveTo: versionId(1), removeFrom: undefined })).toBe('moved');
    expect(await s.read('read')).toMatchObject({ versionId: versionId(1) });
  });

  it('reports a conflict, not a failure, when its own move landed but the response was lost', async () => {
    const name = uniqueName('store');
    await sm.client().send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: versionId(1) }));
    const { store: s } = store(name);
    await s.putPending({ value: 'v2', versionId: versionId(2) });
    sm.emulator.faults.configure({ operations: { UpdateSecretVersionStage: { dropResponseNext: 1 } } });

    expect(await s.moveLabel({ label: 'AWSCURRENT', moveTo: versionId(2), removeFrom: versionId(1) })).toBe('conflict');
    expect(await s.read('AWSCURRENT')).toMatchObject({ versionId: versionId(2) });
  });

  it('counts labelled, deprecated and young versions against the quota', async () => {
    const name = uniqueName('store');
    await sm.client().send(new CreateSecretCommand({ Name: name, SecretString: 'v0', ClientRequestToken: versionId(100) }));
    const { store: s } = store(name);
    for (let fence = 1; fence <= 5; fence += 1) await s.putPending({ value: `v${fence}`, versionId: versionId(fence) });

    const census = await s.census({ quota: 8, guard: 2 });

    expect(census).toMatchObject({ total: 6, labelled: 2, deprecated: 4, createdLast24h: 6, nonRemovable: 6, quota: 8, headroom: 2, guard: 2 });
  });

  it('turns LimitExceededException into VersionQuotaError', async () => {
    const name = uniqueName('store');
    await sm.client().send(new CreateSecretCommand({ Name: name }));
    const { store: s } = store(name, 1);
    for (let fence = 1; fence <= 8; fence += 1) await s.putPending({ value: `v${fence}`, versionId: versionId(fence) });

    await expect(s.putPending({ value: 'v9', versionId: versionId(9) })).rejects.toBeInstanceOf(VersionQuotaError);
  });

  it('explains a secret scheduled for deletion', async () => {
    const name = uniqueName('store');
    await sm.client().send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: versionId(1) }));
    await sm.client().send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));

    const error = await store(name)
      .store.read('AWSCURRENT')
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(SecretAccessError);
    expect((error as Error).message).toMatch(/restore/);
    expect((error as SecretAccessError).operation).toBe('GetSecretValue');
  });

  it('refuses to create a secret from an ARN', async () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:nope-AbCdEf';
    await expect(store(arn).store.ensureSecret()).rejects.toThrow(/cannot be created from an ARN/);
  });
});

describe('Method: SecretStore.census (pagination)', () => {
  let sm: EmulatorUnderTest;
  beforeAll(async () => {
    sm = await startEmulatorUnderTest({ maxVersionsPerSecret: 150 });
  });
  afterAll(() => sm.close());

  it('follows NextToken past 100 versions', async () => {
    const name = uniqueName('census');
    await sm.client().send(new CreateSecretCommand({ Name: name }));
    const counter = new SdkCallCounter();
    const client = counter.attach(sm.client());
    const s = new SecretStore({ client, secretId: name });
    for (let fence = 1; fence <= 120; fence += 1) await s.putPending({ value: `v${fence}`, versionId: versionId(fence) });

    const census = await s.census({ quota: 100, guard: 10 });

    expect(census).toMatchObject({ total: 120, labelled: 2, deprecated: 118, nonRemovable: 120, headroom: -20 });
    expect(counter.snapshot().attempts.ListSecretVersionIds).toBe(2);
  });
});
