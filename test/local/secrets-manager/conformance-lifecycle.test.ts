import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  RotateSecretCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulatorUnderTest, token, uniqueName, type EmulatorUnderTest } from '../../support/secrets-manager.js';

// Conformance of identity, creation, deletion, tags, listings and rotation, driven only through the
// official SDK over HTTP. Rule ids (SM-…) and checklist items (§18b) refer to secrets-manager-spec.md.

const DAY_MS = 86_400_000;
let sm: EmulatorUnderTest;
let client: SecretsManagerClient;

beforeAll(async () => {
  sm = await startEmulatorUnderTest();
  client = sm.client();
});
afterAll(() => sm.close());

async function rejection(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
  throw new Error('Expected the call to fail, but it succeeded.');
}

const MARKED_FOR_DELETION = {
  name: 'InvalidRequestException',
  message: "You can't perform this operation on the secret because it was marked for deletion.",
};

describe('Class: SecretsManagerModel — names and ARNs (§3)', () => {
  it('gives ARNs a 6-character suffix that changes when a name is re-created (SM-ID-3)', async () => {
    const name = uniqueName();
    const first = await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v' }));
    expect(first.ARN).toMatch(new RegExp(`^arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-[A-Za-z0-9]{6}$`));
    await client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    const second = await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v' }));
    expect(second.ARN).not.toBe(first.ARN);
    expect((await rejection(client.send(new DescribeSecretCommand({ SecretId: first.ARN })))).name).toBe('ResourceNotFoundException');
  });

  it('finds a secret by name, full ARN and partial ARN (SM-ID-4)', async () => {
    const name = uniqueName();
    const { ARN } = await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v' }));
    for (const secretId of [name, ARN ?? '', (ARN ?? '').slice(0, -7)]) {
      expect((await client.send(new GetSecretValueCommand({ SecretId: secretId }))).ARN).toBe(ARN);
    }
  });

  it('reads a partial ARN ending in -XXXXXX as a full ARN, which then does not match (checklist 12: SM-ID-5)', async () => {
    const name = `${uniqueName()}-Name-a1b2c3`;
    const { ARN } = await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v' }));
    const failure = await rejection(client.send(new GetSecretValueCommand({ SecretId: (ARN ?? '').slice(0, -7) })));
    expect(failure).toEqual({ name: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
    expect((await client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('v');
  });

  it('refuses names with characters outside the allowed set, on create and on lookup (SM-ID-2)', async () => {
    const expected = {
      name: 'ValidationException',
      message: 'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
    };
    expect(await rejection(client.send(new CreateSecretCommand({ Name: 'has space', SecretString: 'v' })))).toEqual(expected);
    expect(await rejection(client.send(new GetSecretValueCommand({ SecretId: 'star*' })))).toEqual(expected);
    expect(await rejection(client.send(new PutSecretValueCommand({ SecretId: 'what?', SecretString: 'v' })))).toEqual(expected);
  });

  it('does not resolve an ARN from another account or Region (SM-ID-6)', async () => {
    const name = uniqueName();
    const { ARN } = await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v' }));
    const foreign = (ARN ?? '').replace('123456789012', '210987654321');
    expect((await rejection(client.send(new DescribeSecretCommand({ SecretId: foreign })))).name).toBe('ResourceNotFoundException');
  });
});

describe('Class: SecretsManagerModel — CreateSecret (§4)', () => {
  it('refuses an existing name unless the token and value repeat the creating call (SM-CREATE-3, SM-CREATE-4, SM-CREATE-5)', async () => {
    const name = uniqueName();
    const first = await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: token('c1') }));
    const replay = await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: token('c1') }));
    expect({ ARN: replay.ARN, Name: replay.Name, VersionId: replay.VersionId }).toEqual({ ARN: first.ARN, Name: name, VersionId: token('c1') });
    expect(await rejection(client.send(new CreateSecretCommand({ Name: name, SecretString: 'v1' })))).toEqual({
      name: 'ResourceExistsException',
      message: `The operation failed because the secret ${name} already exists.`,
    });
    expect(await rejection(client.send(new CreateSecretCommand({ Name: name, SecretString: 'v2', ClientRequestToken: token('c1') })))).toEqual({
      name: 'ResourceExistsException',
      message: `You can't use ClientRequestToken ${token('c1')} because that value is already in use for a version of secret ${first.ARN}.`,
    });
    const versions = await client.send(new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true }));
    expect(versions.Versions).toHaveLength(1);
  });

  it('stores description, KMS key and tags, and describes them (SM-DESC-3)', async () => {
    const name = uniqueName();
    await client.send(
      new CreateSecretCommand({ Name: name, SecretString: 'v', Description: 'about', KmsKeyId: 'alias/mine', Tags: [{ Key: 'team', Value: 'a' }] }),
    );
    const description = await client.send(new DescribeSecretCommand({ SecretId: name }));
    expect(description).toMatchObject({ Description: 'about', KmsKeyId: 'alias/mine', Tags: [{ Key: 'team', Value: 'a' }] });
    expect(description.DeletedDate).toBeUndefined();
    expect(description.RotationEnabled).toBeUndefined();
  });
});

describe('Class: SecretsManagerModel — DeleteSecret and RestoreSecret (§11)', () => {
  it('schedules deletion, blocks use, keeps the name, and restores intact (checklist 10: SM-DEL-1, SM-DEL-5, SM-DEL-6, SM-CREATE-6, SM-DESC-4, SM-GET-6)', async () => {
    const name = uniqueName();
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: token('t1'), Tags: [{ Key: 'k', Value: 'v' }] }));
    const now = sm.emulator.model.clock.now();
    const deleted = await client.send(new DeleteSecretCommand({ SecretId: name }));
    expect(Math.abs((deleted.DeletionDate?.getTime() ?? 0) - (now + 30 * DAY_MS))).toBeLessThan(60_000);
    expect(await rejection(client.send(new GetSecretValueCommand({ SecretId: name })))).toEqual(MARKED_FOR_DELETION);
    expect(await rejection(client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v2' })))).toEqual(MARKED_FOR_DELETION);
    expect(await rejection(client.send(new UpdateSecretCommand({ SecretId: name, SecretString: 'v2' })))).toEqual(MARKED_FOR_DELETION);
    expect(
      await rejection(client.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'x', MoveToVersionId: token('t1') }))),
    ).toEqual(MARKED_FOR_DELETION);
    expect(await rejection(client.send(new TagResourceCommand({ SecretId: name, Tags: [{ Key: 'a', Value: 'b' }] })))).toEqual(MARKED_FOR_DELETION);
    expect(await rejection(client.send(new UntagResourceCommand({ SecretId: name, TagKeys: ['k'] })))).toEqual(MARKED_FOR_DELETION);
    expect((await client.send(new DescribeSecretCommand({ SecretId: name }))).DeletedDate).toBeInstanceOf(Date);
    expect(await rejection(client.send(new CreateSecretCommand({ Name: name, SecretString: 'x' })))).toEqual({
      name: 'InvalidRequestException',
      message: "You can't create this secret because a secret with this name is already scheduled for deletion.",
    });
    expect((await rejection(client.send(new DeleteSecretCommand({ SecretId: name })))).name).toBe('InvalidRequestException'); // SM-DEL-4
    const restored = await client.send(new RestoreSecretCommand({ SecretId: name }));
    expect(restored.Name).toBe(name);
    const value = await client.send(new GetSecretValueCommand({ SecretId: name }));
    expect(value).toMatchObject({ SecretString: 'v1', VersionStages: ['AWSCURRENT'] });
    const description = await client.send(new DescribeSecretCommand({ SecretId: name }));
    expect(description.DeletedDate).toBeUndefined();
    expect(description.Tags).toEqual([{ Key: 'k', Value: 'v' }]);
  });

  it('validates the recovery window and its combination with force (SM-DEL-1, SM-DEL-2)', async () => {
    const name = uniqueName();
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v' }));
    for (const days of [6, 31]) {
      expect(await rejection(client.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: days })))).toEqual({
        name: 'InvalidParameterException',
        message: 'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).',
      });
    }
    expect(
      (await rejection(client.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true })))).name,
    ).toBe('InvalidParameterException');
    const week = await client.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: false }));
    expect(week.Name).toBe(name);
  });

  it('force-deletes a missing secret as if it existed (checklist 11: SM-DEL-3)', async () => {
    const name = uniqueName('never-created');
    const answer = await client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    expect(answer.Name).toBe(name);
    expect(answer.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:/);
    expect(answer.DeletionDate).toBeInstanceOf(Date);
    expect((await rejection(client.send(new DeleteSecretCommand({ SecretId: name })))).name).toBe('ResourceNotFoundException');
  });

  it('removes a scheduled secret for good once its deletion date passes, freeing the name (SM-DEL-7)', async () => {
    const name = uniqueName();
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v' }));
    await client.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));
    const advanced = await sm.control('POST', 'clock', { advanceMs: 7 * DAY_MS + 1 });
    expect(advanced.status).toBe(200);
    expect((await rejection(client.send(new DescribeSecretCommand({ SecretId: name })))).name).toBe('ResourceNotFoundException');
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'again' }));
    expect((await client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('again');
  });

  it('restores a secret that is not scheduled for deletion as a no-op (SM-DEL-6)', async () => {
    const name = uniqueName();
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v' }));
    expect((await client.send(new RestoreSecretCommand({ SecretId: name }))).Name).toBe(name);
  });
});

describe('Class: SecretsManagerModel — tags', () => {
  it('adds, overwrites and removes tags (TagResource, UntagResource)', async () => {
    const name = uniqueName();
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v', Tags: [{ Key: 'a', Value: '1' }] }));
    const tagged = await client.send(
      new TagResourceCommand({
        SecretId: name,
        Tags: [
          { Key: 'a', Value: '2' },
          { Key: 'b', Value: '3' },
        ],
      }),
    );
    expect(tagged.$metadata.httpStatusCode).toBe(200);
    expect((await client.send(new DescribeSecretCommand({ SecretId: name }))).Tags).toEqual([
      { Key: 'a', Value: '2' },
      { Key: 'b', Value: '3' },
    ]);
    await client.send(new UntagResourceCommand({ SecretId: name, TagKeys: ['a', 'never'] }));
    expect((await client.send(new DescribeSecretCommand({ SecretId: name }))).Tags).toEqual([{ Key: 'b', Value: '3' }]);
    const raw = await sm.raw('secretsmanager.UntagResource', JSON.stringify({ SecretId: name, TagKeys: ['b'] }));
    expect(raw.text).toBe('{}'); // SM-WIRE-6
    expect((await client.send(new DescribeSecretCommand({ SecretId: name }))).Tags).toBeUndefined();
  });

  it('refuses more than 50 tags on one secret', async () => {
    const name = uniqueName();
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v' }));
    const tags = Array.from({ length: 51 }, (_, index) => ({ Key: `k${index}`, Value: 'v' }));
    expect((await rejection(client.send(new TagResourceCommand({ SecretId: name, Tags: tags })))).name).toBe('InvalidParameterException');
  });
});

describe('Class: SecretsManagerModel — ListSecrets and BatchGetSecretValue', () => {
  it('filters by name prefix and tag, hides scheduled deletions unless asked, and pages (SM-DESC-5)', async () => {
    const prefix = uniqueName('listing');
    for (const index of [1, 2, 3]) {
      await client.send(
        new CreateSecretCommand({ Name: `${prefix}/s${index}`, SecretString: 'v', Tags: [{ Key: 'group', Value: index === 3 ? 'odd' : 'even' }] }),
      );
    }
    await client.send(new DeleteSecretCommand({ SecretId: `${prefix}/s2` }));
    const byName = await client.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [prefix] }] }));
    expect(byName.SecretList?.map((entry) => entry.Name)).toEqual([`${prefix}/s1`, `${prefix}/s3`]);
    expect(byName.SecretList?.[0]?.SecretVersionsToStages).toBeDefined();
    const withDeleted = await client.send(new ListSecretsCommand({ IncludePlannedDeletion: true, Filters: [{ Key: 'name', Values: [prefix] }] }));
    expect(withDeleted.SecretList).toHaveLength(3);
    const byTag = await client.send(
      new ListSecretsCommand({
        Filters: [
          { Key: 'name', Values: [prefix] },
          { Key: 'tag-value', Values: ['odd'] },
        ],
      }),
    );
    expect(byTag.SecretList?.map((entry) => entry.Name)).toEqual([`${prefix}/s3`]);
    const negated = await client.send(
      new ListSecretsCommand({
        Filters: [
          { Key: 'name', Values: [prefix] },
          { Key: 'tag-value', Values: ['!odd'] },
        ],
      }),
    );
    expect(negated.SecretList?.map((entry) => entry.Name)).toEqual([`${prefix}/s1`]);
    const firstPage = await client.send(new ListSecretsCommand({ MaxResults: 1, SortOrder: 'desc', Filters: [{ Key: 'name', Values: [prefix] }] }));
    expect(firstPage.SecretList?.map((entry) => entry.Name)).toEqual([`${prefix}/s3`]);
    const secondPage = await client.send(
      new ListSecretsCommand({ MaxResults: 1, SortOrder: 'desc', NextToken: firstPage.NextToken, Filters: [{ Key: 'name', Values: [prefix] }] }),
    );
    expect(secondPage.SecretList?.map((entry) => entry.Name)).toEqual([`${prefix}/s1`]);
    expect(secondPage.NextToken).toBeUndefined();
  });

  it('returns values for a list of ids and reports the missing ones as errors', async () => {
    const name = uniqueName();
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v' }));
    const missing = uniqueName('missing');
    const answer = await client.send(new BatchGetSecretValueCommand({ SecretIdList: [name, missing] }));
    expect(answer.SecretValues?.map((value) => [value.Name, value.SecretString, value.VersionStages])).toEqual([[name, 'v', ['AWSCURRENT']]]);
    expect(answer.Errors).toEqual([
      { SecretId: missing, ErrorCode: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." },
    ]);
  });

  it('returns values for filters, and refuses ids and filters together', async () => {
    const prefix = uniqueName('batch');
    await client.send(new CreateSecretCommand({ Name: `${prefix}/a`, SecretString: 'a' }));
    await client.send(new CreateSecretCommand({ Name: `${prefix}/b`, SecretString: 'b' }));
    const answer = await client.send(new BatchGetSecretValueCommand({ Filters: [{ Key: 'name', Values: [prefix] }] }));
    expect(answer.SecretValues?.map((value) => value.SecretString)).toEqual(['a', 'b']);
    const failure = await rejection(
      client.send(new BatchGetSecretValueCommand({ SecretIdList: [prefix], Filters: [{ Key: 'name', Values: [prefix] }] })),
    );
    expect(failure.name).toBe('InvalidParameterException');
  });
});

describe('Class: SecretsManagerModel — rotation placeholder flow (§12)', () => {
  it('runs a rotation with the test acting as the Lambda (checklist 15: SM-ROT-1, SM-ROT-2, SM-ROT-3, SM-PUT-5, SM-GET-8, SM-DESC-2)', async () => {
    const name = uniqueName();
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'old', ClientRequestToken: token('t1') }));
    const noLambda = await rejection(client.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: token('r1') })));
    expect(noLambda).toEqual({ name: 'InvalidRequestException', message: 'No Lambda rotation function ARN is associated with this secret.' });

    const lambda = 'arn:aws:lambda:us-east-1:123456789012:function:rotate';
    const started = await client.send(
      new RotateSecretCommand({
        SecretId: name,
        ClientRequestToken: token('r1'),
        RotationLambdaARN: lambda,
        RotationRules: { AutomaticallyAfterDays: 30 },
      }),
    );
    expect(started.VersionId).toBe(token('r1'));
    const described = await client.send(new DescribeSecretCommand({ SecretId: name }));
    expect(described).toMatchObject({ RotationEnabled: true, RotationLambdaARN: lambda, RotationRules: { AutomaticallyAfterDays: 30 } });
    expect(described.VersionIdsToStages?.[token('r1')]).toEqual(['AWSPENDING']);

    // createSecret step: the placeholder has no value yet.
    const empty = await rejection(client.send(new GetSecretValueCommand({ SecretId: name, VersionId: token('r1'), VersionStage: 'AWSPENDING' })));
    expect(empty).toEqual({
      name: 'ResourceNotFoundException',
      message: `Secrets Manager can't find the specified secret value for VersionId: ${token('r1')}`,
    });
    const inProgress = await rejection(client.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: token('r2') })));
    expect(inProgress.name).toBe('InvalidRequestException');
    await client.send(
      new PutSecretValueCommand({ SecretId: name, ClientRequestToken: token('r1'), SecretString: 'new', VersionStages: ['AWSPENDING'] }),
    );
    expect((await client.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPENDING' }))).SecretString).toBe('new');

    // finishSecret step.
    await client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: token('r1'),
        RemoveFromVersionId: token('t1'),
      }),
    );
    await client.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSPENDING', RemoveFromVersionId: token('r1') }));
    const versions = await client.send(new ListSecretVersionIdsCommand({ SecretId: name }));
    expect(Object.fromEntries((versions.Versions ?? []).map((version) => [version.VersionId, version.VersionStages]))).toEqual({
      [token('r1')]: ['AWSCURRENT'],
      [token('t1')]: ['AWSPREVIOUS'],
    });
    expect((await client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('new');
    // With AWSPENDING gone, the next rotation may start (uses the stored Lambda).
    const next = await client.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: token('r2') }));
    expect(next.VersionId).toBe(token('r2'));
  });
});
