import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulatorUnderTest, token, uniqueName, type EmulatorUnderTest } from '../../support/secrets-manager.js';

// Conformance of versions, staging labels and idempotency tokens, driven only through the official
// SDK over HTTP. Rule ids (SM-…) and checklist items (§18b) refer to secrets-manager-spec.md.

let sm: EmulatorUnderTest;
let client: SecretsManagerClient;

beforeAll(async () => {
  sm = await startEmulatorUnderTest();
  client = sm.client();
});
afterAll(() => sm.close());

/** Creates a secret with a first version `v1` (token `t1`) and returns its name. */
async function secretWithValue(value = 'v1'): Promise<string> {
  const name = uniqueName();
  await client.send(new CreateSecretCommand({ Name: name, SecretString: value, ClientRequestToken: token('t1') }));
  return name;
}

async function stagesOf(name: string): Promise<Record<string, string[]>> {
  const listing = await client.send(new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true }));
  return Object.fromEntries((listing.Versions ?? []).map((version) => [version.VersionId ?? '', version.VersionStages ?? []]));
}

async function rejection(promise: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    const failure = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: failure.name, message: failure.message, status: failure.$metadata?.httpStatusCode };
  }
  throw new Error('Expected the call to fail, but it succeeded.');
}

describe('Class: SecretsManagerModel — reading values (§5)', () => {
  it('returns the AWSCURRENT version with its labels and a Date CreatedDate (checklist 1: SM-CREATE-1, SM-GET-1, SM-WIRE-5)', async () => {
    const name = uniqueName();
    const created = await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: token('t1') }));
    expect(created.VersionId).toBe(token('t1'));
    const value = await client.send(new GetSecretValueCommand({ SecretId: name }));
    expect(value).toMatchObject({ Name: name, ARN: created.ARN, VersionId: token('t1'), SecretString: 'v1', VersionStages: ['AWSCURRENT'] });
    expect(value.CreatedDate).toBeInstanceOf(Date);
    expect(Math.abs((value.CreatedDate?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
  });

  it('answers an unattached label with the staging-label text (SM-GET-2)', async () => {
    const name = await secretWithValue();
    const failure = await rejection(client.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPREVIOUS' })));
    expect(failure).toEqual({
      name: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS",
      status: 400,
    });
  });

  it('answers an unknown VersionId with the VersionId text (SM-GET-3)', async () => {
    const name = await secretWithValue();
    const failure = await rejection(client.send(new GetSecretValueCommand({ SecretId: name, VersionId: token('nope') })));
    expect(failure).toEqual({
      name: 'ResourceNotFoundException',
      message: `Secrets Manager can't find the specified secret value for VersionId: ${token('nope')}`,
      status: 400,
    });
  });

  it('rejects a VersionId and VersionStage that do not match, even for a label held nowhere (checklist 9: SM-GET-4)', async () => {
    const name = await secretWithValue();
    await client.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('t2'), VersionStages: ['AWSPENDING'] }),
    );
    for (const stage of ['AWSPENDING', 'AWSPREVIOUS']) {
      const failure = await rejection(client.send(new GetSecretValueCommand({ SecretId: name, VersionId: token('t1'), VersionStage: stage })));
      expect(failure).toEqual({
        name: 'InvalidRequestException',
        message: 'You provided a VersionStage that is not associated to the provided VersionId.',
        status: 400,
      });
    }
    const consistent = await client.send(new GetSecretValueCommand({ SecretId: name, VersionId: token('t2'), VersionStage: 'AWSPENDING' }));
    expect(consistent.SecretString).toBe('v2');
  });

  it('answers a secret without versions with the AWSCURRENT staging-label text (SM-GET-5, SM-CREATE-2)', async () => {
    const name = uniqueName();
    const created = await client.send(new CreateSecretCommand({ Name: name }));
    expect(created.VersionId).toBeUndefined();
    const failure = await rejection(client.send(new GetSecretValueCommand({ SecretId: name })));
    expect(failure.message).toBe("Secrets Manager can't find the specified secret value for staging label: AWSCURRENT");
    const description = await client.send(new DescribeSecretCommand({ SecretId: name }));
    expect(description.VersionIdsToStages).toBeUndefined();
  });

  it('lists every label of the version read (SM-GET-7)', async () => {
    const name = await secretWithValue();
    await client.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSPENDING', MoveToVersionId: token('t1') }));
    const value = await client.send(new GetSecretValueCommand({ SecretId: name }));
    expect(value.VersionStages).toEqual(['AWSCURRENT', 'AWSPENDING']);
  });

  it('still serves a deprecated version by VersionId, without VersionStages (SM-GET-9)', async () => {
    const name = await secretWithValue();
    await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('t2') }));
    await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v3', ClientRequestToken: token('t3') }));
    const deprecated = await client.send(new GetSecretValueCommand({ SecretId: name, VersionId: token('t1') }));
    expect(deprecated.SecretString).toBe('v1');
    expect(deprecated.VersionStages).toBeUndefined();
  });

  it('records the access day at midnight UTC on the secret and the version (SM-GET-11, SM-WIRE-5)', async () => {
    const name = await secretWithValue();
    const before = await client.send(new DescribeSecretCommand({ SecretId: name }));
    expect(before.LastAccessedDate).toBeUndefined();
    await client.send(new GetSecretValueCommand({ SecretId: name }));
    const after = await client.send(new DescribeSecretCommand({ SecretId: name }));
    const day = Math.floor(sm.emulator.model.clock.now() / 86_400_000) * 86_400_000;
    expect(after.LastAccessedDate?.getTime()).toBe(day);
    const listing = await client.send(new ListSecretVersionIdsCommand({ SecretId: name }));
    expect(listing.Versions?.[0]?.LastAccessedDate?.getTime()).toBe(day);
  });
});

describe('Class: SecretsManagerModel — writing versions (§6, §7)', () => {
  it('moves AWSCURRENT and AWSPREVIOUS on each default put, deprecating older versions (checklist 2: SM-PUT-6, SM-LSV-1)', async () => {
    const name = await secretWithValue();
    for (const index of [2, 3, 4]) {
      const put = await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: `v${index}`, ClientRequestToken: token(`t${index}`) }));
      expect(put.VersionStages).toEqual(['AWSCURRENT']);
    }
    const labelled = await client.send(new ListSecretVersionIdsCommand({ SecretId: name }));
    expect(labelled.Versions?.map((version) => [version.VersionId, version.VersionStages])).toEqual([
      [token('t4'), ['AWSCURRENT']],
      [token('t3'), ['AWSPREVIOUS']],
    ]);
    const all = await client.send(new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true }));
    expect(all.Versions).toHaveLength(4);
    const deprecated = all.Versions?.filter((version) => version.VersionId === token('t1') || version.VersionId === token('t2'));
    expect(deprecated?.map((version) => 'VersionStages' in version)).toEqual([false, false]);
  });

  it('replays the same token and value as a no-op, and refuses the token with another value (checklist 3: SM-PUT-3, SM-PUT-4)', async () => {
    const name = await secretWithValue();
    const first = await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('t2') }));
    const again = await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('t2') }));
    expect(again.VersionId).toBe(first.VersionId);
    expect(again.VersionStages).toEqual(['AWSCURRENT']);
    expect(await stagesOf(name)).toEqual({ [token('t2')]: ['AWSCURRENT'], [token('t1')]: ['AWSPREVIOUS'] });
    const failure = await rejection(
      client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'other', ClientRequestToken: token('t2') })),
    );
    expect(failure).toEqual({
      name: 'ResourceExistsException',
      message: `You can't use ClientRequestToken ${token('t2')} because that value is already in use for a version of secret ${first.ARN}.`,
      status: 400,
    });
  });

  it('treats a string and a binary with the same bytes as different values (SM-PUT-4)', async () => {
    const name = await secretWithValue('same');
    const failure = await rejection(
      client.send(new PutSecretValueCommand({ SecretId: name, SecretBinary: new TextEncoder().encode('same'), ClientRequestToken: token('t1') })),
    );
    expect(failure.name).toBe('ResourceExistsException');
  });

  it('never moves AWSPREVIOUS again when a put that moved AWSCURRENT is retried (SM-PUT-16)', async () => {
    const name = await secretWithValue();
    await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('t2') }));
    await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v3', ClientRequestToken: token('t3') }));
    const replay = await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('t2') }));
    expect(replay.VersionStages).toEqual(['AWSPREVIOUS']);
    expect(await stagesOf(name)).toEqual({ [token('t3')]: ['AWSCURRENT'], [token('t2')]: ['AWSPREVIOUS'], [token('t1')]: [] });
  });

  it('keeps AWSCURRENT where it is when a put names other labels (checklist 4: SM-PUT-7)', async () => {
    const name = await secretWithValue();
    const pending = await client.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('t2'), VersionStages: ['AWSPENDING'] }),
    );
    expect(pending.VersionStages).toEqual(['AWSPENDING']);
    expect((await client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('v1');
    expect((await client.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPENDING' }))).SecretString).toBe('v2');
  });

  it('moves only the labels a put names, leaving others in place (SM-PUT-7: non-versioning stages)', async () => {
    const name = await secretWithValue();
    await client.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('t2'), VersionStages: ['one', 'two', 'three'] }),
    );
    await client.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'v3', ClientRequestToken: token('t3'), VersionStages: ['one', 'two', 'four'] }),
    );
    expect(await stagesOf(name)).toEqual({ [token('t1')]: ['AWSCURRENT'], [token('t2')]: ['three'], [token('t3')]: ['four', 'one', 'two'] });
  });

  it('puts AWSPREVIOUS on the old current version when a put names AWSCURRENT among others (SM-PUT-8: custom_stages_2)', async () => {
    const name = await secretWithValue();
    await client.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('t2'), VersionStages: ['AWSCURRENT', 'PUT0'] }),
    );
    await client.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'v3', ClientRequestToken: token('t3'), VersionStages: ['AWSPENDING', 'PUT1'] }),
    );
    expect(await stagesOf(name)).toEqual({
      [token('t1')]: ['AWSPREVIOUS'],
      [token('t2')]: ['AWSCURRENT', 'PUT0'],
      [token('t3')]: ['AWSPENDING', 'PUT1'],
    });
    await client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: token('t3'),
        RemoveFromVersionId: token('t2'),
      }),
    );
    expect(await stagesOf(name)).toEqual({
      [token('t1')]: [],
      [token('t2')]: ['AWSPREVIOUS', 'PUT0'],
      [token('t3')]: ['AWSCURRENT', 'AWSPENDING', 'PUT1'],
    });
  });

  it('moves AWSPENDING off the current version without touching AWSCURRENT (SM-PUT-9)', async () => {
    const name = await secretWithValue();
    await client.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSPENDING', MoveToVersionId: token('t1') }));
    await client.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('t2'), VersionStages: ['AWSPENDING'] }),
    );
    expect(await stagesOf(name)).toEqual({ [token('t1')]: ['AWSCURRENT'], [token('t2')]: ['AWSPENDING'] });
  });

  it('attaches AWSCURRENT to the first value of an empty secret even when not asked (SM-PUT-10)', async () => {
    const name = uniqueName();
    await client.send(new CreateSecretCommand({ Name: name }));
    const put = await client.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'v1', ClientRequestToken: token('t1'), VersionStages: ['AWSPENDING'] }),
    );
    expect(put.VersionStages).toEqual(['AWSCURRENT', 'AWSPENDING']);
    expect((await client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('v1');
  });

  it('requires a value, and only one of SecretString and SecretBinary (SM-PUT-1)', async () => {
    const name = await secretWithValue();
    for (const input of [{}, { SecretString: '' }]) {
      const failure = await rejection(client.send(new PutSecretValueCommand({ SecretId: name, ClientRequestToken: token('t9'), ...input })));
      expect(failure).toEqual({ name: 'InvalidRequestException', message: 'You must provide either SecretString or SecretBinary.', status: 400 });
    }
    const both = await rejection(
      client.send(
        new PutSecretValueCommand({ SecretId: name, SecretString: 'a', SecretBinary: new Uint8Array([1]), ClientRequestToken: token('t9') }),
      ),
    );
    expect(both.name).toBe('InvalidParameterException');
  });

  it('refuses an empty VersionStages list with a ValidationException (SM-PUT-11)', async () => {
    const name = await secretWithValue();
    const failure = await rejection(client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', VersionStages: [] })));
    expect(failure.name).toBe('ValidationException');
    expect(failure.message).toBe(
      "1 validation error detected: Value '[]' at 'versionStages' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  it('answers a put to an unknown secret with ResourceNotFoundException (SM-PUT-13)', async () => {
    const failure = await rejection(client.send(new PutSecretValueCommand({ SecretId: uniqueName('missing'), SecretString: 'v' })));
    expect(failure).toEqual({ name: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret.", status: 400 });
  });

  it('round-trips binary values as base64 on the wire (SM-WIRE-4)', async () => {
    const name = uniqueName();
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    await client.send(new CreateSecretCommand({ Name: name, SecretBinary: bytes }));
    const value = await client.send(new GetSecretValueCommand({ SecretId: name }));
    expect(value.SecretBinary).toEqual(bytes);
    expect(value.SecretString).toBeUndefined();
    const raw = await sm.raw('secretsmanager.GetSecretValue', JSON.stringify({ SecretId: name }));
    expect(raw.json['SecretBinary']).toBe(Buffer.from(bytes).toString('base64'));
  });

  it('creates an AWSCURRENT version from UpdateSecret with a value, and none without (SM-UPD-1, SM-UPD-2, SM-UPD-3)', async () => {
    const name = uniqueName();
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v1', Description: 'first', ClientRequestToken: token('t1') }));
    const updated = await client.send(new UpdateSecretCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('t2') }));
    expect(updated.VersionId).toBe(token('t2'));
    expect(await stagesOf(name)).toEqual({ [token('t2')]: ['AWSCURRENT'], [token('t1')]: ['AWSPREVIOUS'] });
    const describedOnly = await client.send(new UpdateSecretCommand({ SecretId: name, Description: 'second' }));
    expect(describedOnly.VersionId).toBeUndefined();
    const kept = await client.send(new UpdateSecretCommand({ SecretId: name, KmsKeyId: 'alias/other' }));
    expect(kept.VersionId).toBeUndefined();
    const description = await client.send(new DescribeSecretCommand({ SecretId: name }));
    expect(description).toMatchObject({ Description: 'second', KmsKeyId: 'alias/other' });
    expect(Object.keys(description.VersionIdsToStages ?? {})).toHaveLength(2);
  });

  it('replays UpdateSecret with the same token and value, and refuses another value (SM-UPD-4, SM-UPD-5)', async () => {
    const name = await secretWithValue();
    await client.send(new UpdateSecretCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('t2') }));
    const replay = await client.send(new UpdateSecretCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('t2') }));
    expect(replay.VersionId).toBe(token('t2'));
    expect(Object.keys(await stagesOf(name))).toHaveLength(2);
    const failure = await rejection(client.send(new UpdateSecretCommand({ SecretId: name, SecretString: 'v3', ClientRequestToken: token('t2') })));
    expect(failure.name).toBe('ResourceExistsException');
    expect(failure.message).toContain(`You can't use ClientRequestToken ${token('t2')}`);
  });
});

describe('Class: SecretsManagerModel — UpdateSecretVersionStage (§8)', () => {
  /** v1 = AWSCURRENT, v2 = AWSPENDING. */
  async function pendingSecret(): Promise<string> {
    const name = await secretWithValue();
    await client.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('t2'), VersionStages: ['AWSPENDING'] }),
    );
    return name;
  }

  it('refuses to move AWSCURRENT without RemoveFromVersionId, naming the holder (checklist 5: SM-USVS-2)', async () => {
    const name = await pendingSecret();
    const failure = await rejection(
      client.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSCURRENT', MoveToVersionId: token('t2') })),
    );
    expect(failure).toEqual({
      name: 'InvalidParameterException',
      message: `The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is currently attached to version ${token('t1')}, so you must explicitly reference that version in RemoveFromVersionId.`,
      status: 400,
    });
  });

  it('moves AWSCURRENT with RemoveFromVersionId: AWSPREVIOUS follows, AWSPENDING stays, reads see the new value (checklist 5: SM-USVS-4, SM-USVS-12)', async () => {
    const name = await pendingSecret();
    const moved = await client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: token('t2'),
        RemoveFromVersionId: token('t1'),
      }),
    );
    expect(moved.Name).toBe(name);
    expect(await stagesOf(name)).toEqual({ [token('t1')]: ['AWSPREVIOUS'], [token('t2')]: ['AWSCURRENT', 'AWSPENDING'] });
    expect((await client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('v2');
  });

  it('fails the compare-and-swap when RemoveFromVersionId no longer holds the label (SM-USVS-3)', async () => {
    const name = await pendingSecret();
    await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v3', ClientRequestToken: token('t3') }));
    const stale = await rejection(
      client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: name,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: token('t2'),
          RemoveFromVersionId: token('t1'),
        }),
      ),
    );
    expect(stale.name).toBe('InvalidParameterException');
    expect(stale.message).toContain(`version ${token('t3')} currently has it`);
    expect((await client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('v3');
  });

  it('swaps AWSCURRENT and AWSPREVIOUS when rolling back to the previous version (checklist 6: SM-USVS-4)', async () => {
    const name = await secretWithValue();
    await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('t2') }));
    await client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: token('t1'),
        RemoveFromVersionId: token('t2'),
      }),
    );
    expect(await stagesOf(name)).toEqual({ [token('t1')]: ['AWSCURRENT'], [token('t2')]: ['AWSPREVIOUS'] });
  });

  it('never removes AWSCURRENT outright (checklist 7: SM-USVS-6, SM-MODEL-3)', async () => {
    const name = await secretWithValue();
    const failure = await rejection(
      client.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSCURRENT', RemoveFromVersionId: token('t1') })),
    );
    expect(failure).toEqual({
      name: 'InvalidParameterException',
      message: 'You can only move staging label AWSCURRENT to a different secret version. It can’t be completely removed.',
      status: 400,
    });
  });

  it('moves a custom label and keeps every other label on both versions (checklist 8: SM-MODEL-6)', async () => {
    const name = await secretWithValue();
    await client.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('t2'), VersionStages: ['AWSPENDING', 'blue'] }),
    );
    await client.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'green', MoveToVersionId: token('t1') }));
    await client.send(
      new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'blue', MoveToVersionId: token('t1'), RemoveFromVersionId: token('t2') }),
    );
    expect(await stagesOf(name)).toEqual({ [token('t1')]: ['AWSCURRENT', 'blue', 'green'], [token('t2')]: ['AWSPENDING'] });
  });

  it('attaches a label held nowhere without RemoveFromVersionId (SM-USVS-1)', async () => {
    const name = await secretWithValue();
    await client.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'canary', MoveToVersionId: token('t1') }));
    expect(await stagesOf(name)).toEqual({ [token('t1')]: ['AWSCURRENT', 'canary'] });
  });

  it('removes a custom label, deprecating a version left without labels (SM-USVS-5)', async () => {
    const name = await pendingSecret();
    await client.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSPENDING', RemoveFromVersionId: token('t2') }));
    expect(await stagesOf(name)).toEqual({ [token('t1')]: ['AWSCURRENT'], [token('t2')]: [] });
    const labelled = await client.send(new ListSecretVersionIdsCommand({ SecretId: name }));
    expect(labelled.Versions?.map((version) => version.VersionId)).toEqual([token('t1')]);
  });

  it('accepts moving a label to the version that already holds it, changing nothing (SM-USVS-7)', async () => {
    const name = await secretWithValue();
    await client.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSCURRENT', MoveToVersionId: token('t1') }));
    expect(await stagesOf(name)).toEqual({ [token('t1')]: ['AWSCURRENT'] });
  });

  it('refuses unknown versions and a call that names neither version (SM-USVS-9)', async () => {
    const name = await secretWithValue();
    const unknown = await rejection(
      client.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'x', MoveToVersionId: token('ghost') })),
    );
    expect(unknown.name).toBe('InvalidParameterException');
    expect(unknown.message).toContain(token('ghost'));
    const neither = await rejection(client.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'x' })));
    expect(neither.name).toBe('InvalidParameterException');
  });
});

describe('Class: SecretsManagerModel — DescribeSecret and ListSecretVersionIds (§9, §10)', () => {
  it('maps only labelled versions and omits members without a value (SM-DESC-1, SM-DESC-3)', async () => {
    const name = await secretWithValue();
    await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('t2') }));
    await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v3', ClientRequestToken: token('t3') }));
    const raw = await sm.raw('secretsmanager.DescribeSecret', JSON.stringify({ SecretId: name }));
    expect(raw.json['VersionIdsToStages']).toEqual({ [token('t2')]: ['AWSPREVIOUS'], [token('t3')]: ['AWSCURRENT'] });
    expect(Object.keys(raw.json).sort()).toEqual(['ARN', 'CreatedDate', 'LastChangedDate', 'Name', 'VersionIdsToStages']);
    expect(typeof raw.json['CreatedDate']).toBe('number');
  });

  it('pages newest first with NextToken only while more remain, and rejects a foreign token (SM-LSV-3, SM-LSV-4)', async () => {
    const name = await secretWithValue();
    for (const index of [2, 3, 4, 5]) {
      await client.send(
        new PutSecretValueCommand({
          SecretId: name,
          SecretString: `v${index}`,
          ClientRequestToken: token(`t${index}`),
          VersionStages: [`L${index}`],
        }),
      );
    }
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(
        new ListSecretVersionIdsCommand({ SecretId: name, MaxResults: 2, ...(nextToken ? { NextToken: nextToken } : {}) }),
      );
      expect(page.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:/);
      seen.push(...(page.Versions ?? []).map((version) => version.VersionId ?? ''));
      nextToken = page.NextToken;
      pages += 1;
    } while (nextToken);
    expect(pages).toBe(3);
    expect(seen).toEqual(['t5', 't4', 't3', 't2', 't1'].map(token));
    const other = await secretWithValue();
    const firstPage = await client.send(new ListSecretVersionIdsCommand({ SecretId: name, MaxResults: 1 }));
    const failure = await rejection(client.send(new ListSecretVersionIdsCommand({ SecretId: other, NextToken: firstPage.NextToken })));
    expect(failure.name).toBe('InvalidNextTokenException');
    const garbage = await rejection(client.send(new ListSecretVersionIdsCommand({ SecretId: name, NextToken: 'not-a-token' })));
    expect(garbage.name).toBe('InvalidNextTokenException');
  });

  it('answers an unknown secret with ResourceNotFoundException (SM-LSV-5)', async () => {
    const failure = await rejection(client.send(new ListSecretVersionIdsCommand({ SecretId: uniqueName('missing') })));
    expect(failure).toEqual({ name: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret.", status: 400 });
  });
});
