import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  RemoveRegionsFromReplicationCommand,
  ReplicateSecretToRegionsCommand,
  RestoreSecretCommand,
  RotateSecretCommand,
  type SecretsManagerClient,
  StopReplicationToReplicaCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OffsetClock, startSecretsManagerEmulator } from '../../../src/local/secrets-manager/index.js';
import { startEmulatorUnderTest, token, uniqueName, type EmulatorUnderTest } from '../../support/secrets-manager.js';

// Several Regions in one emulator (picked by the SigV4 credential scope) and replication between
// them, with the lag and the pause under /_emulator/replication. The emulator's clock is frozen
// (an OffsetClock over a fixed base), so only POST /_emulator/clock moves time: no test sleeps.

const LAG_MS = 5_000;
const REPLICA_READ_ONLY = "Operation not permitted on a replica secret. Call must be made in primary secret's region.";

let sm: EmulatorUnderTest;
let east: SecretsManagerClient;
let west: SecretsManagerClient;

beforeAll(async () => {
  sm = await startEmulatorUnderTest({ clock: new OffsetClock(() => Date.UTC(2030, 0, 1)) });
  east = sm.client();
  west = sm.client({ region: 'eu-west-1' });
});
afterEach(async () => {
  expect((await sm.control('DELETE', 'replication')).status).toBe(200);
});
afterAll(() => sm.close());

async function advance(ms: number): Promise<void> {
  expect((await sm.control('POST', 'clock', { advanceMs: ms })).status).toBe(200);
}

async function setReplication(settings: { lagMs?: number; paused?: boolean }): Promise<void> {
  const answer = await sm.control('POST', 'replication', settings);
  expect(answer.status, answer.text).toBe(200);
}

/** The error a call fails with (the test fails if it succeeds). */
async function rejection(call: Promise<unknown>): Promise<{ name: string; message: string }> {
  const outcome = await call.then(
    () => undefined,
    (error: unknown) => error as { name: string; message: string },
  );
  expect(outcome, 'the call was expected to fail').toBeDefined();
  return { name: outcome?.name ?? '', message: outcome?.message ?? '' };
}

async function primaryWithReplica(lagMs = 0): Promise<{ name: string; arn: string }> {
  await setReplication({ lagMs });
  const name = uniqueName('replication');
  const created = await east.send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: token('v1') }));
  await east.send(new ReplicateSecretToRegionsCommand({ SecretId: name, AddReplicaRegions: [{ Region: 'eu-west-1' }] }));
  if (lagMs > 0) await advance(lagMs);
  return { name, arn: created.ARN ?? '' };
}

async function statusOf(name: string, region = 'eu-west-1'): Promise<string | undefined> {
  const described = await east.send(new DescribeSecretCommand({ SecretId: name }));
  return described.ReplicationStatus?.find((entry) => entry.Region === region)?.Status;
}

describe('Regions from the credential scope', () => {
  it('keeps each Region’s secrets apart and puts the Region in the ARN', async () => {
    const name = uniqueName('regions');
    const inWest = await west.send(new CreateSecretCommand({ Name: name, SecretString: 'west', ClientRequestToken: token('w') }));
    expect(inWest.ARN).toMatch(new RegExp(`^arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-[A-Za-z0-9]{6}$`));
    expect((await rejection(east.send(new GetSecretValueCommand({ SecretId: name })))).name).toBe('ResourceNotFoundException');
    const inEast = await east.send(new CreateSecretCommand({ Name: name, SecretString: 'east', ClientRequestToken: token('e') }));
    expect(inEast.ARN).toContain(':us-east-1:');
    expect((await west.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('west');
    expect((await east.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('east');
  });

  it('serves a request without a credential scope from the default Region', async () => {
    const name = uniqueName('regions');
    await east.send(new CreateSecretCommand({ Name: name, SecretString: 'v', ClientRequestToken: token('v') }));
    const answer = await sm.raw('secretsmanager.DescribeSecret', JSON.stringify({ SecretId: name }));
    expect(answer.status).toBe(200);
    expect(answer.json.ARN).toContain(':us-east-1:');
  });
});

describe('ReplicateSecretToRegions', () => {
  it('makes the replica readable in eu-west-1 only once the configured lag has passed', async () => {
    await setReplication({ lagMs: LAG_MS });
    const name = uniqueName('replication');
    const created = await east.send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: token('v1') }));
    const answer = await east.send(new ReplicateSecretToRegionsCommand({ SecretId: name, AddReplicaRegions: [{ Region: 'eu-west-1' }] }));
    expect(answer.ReplicationStatus).toEqual([expect.objectContaining({ Region: 'eu-west-1', Status: 'InProgress' })]);
    expect((await rejection(west.send(new GetSecretValueCommand({ SecretId: name })))).name).toBe('ResourceNotFoundException');
    await advance(LAG_MS - 1);
    expect((await rejection(west.send(new GetSecretValueCommand({ SecretId: name })))).name).toBe('ResourceNotFoundException');
    await advance(1);
    const replica = await west.send(new GetSecretValueCommand({ SecretId: name }));
    expect(replica.SecretString).toBe('v1');
    expect(replica.VersionId).toBe(token('v1'));
    expect(replica.ARN).toBe(created.ARN?.replace(':us-east-1:', ':eu-west-1:'));
  });

  it('shows ReplicationStatus and PrimaryRegion on the primary, PrimaryRegion on the replica', async () => {
    const { name } = await primaryWithReplica();
    const primary = await east.send(new DescribeSecretCommand({ SecretId: name }));
    expect(primary.PrimaryRegion).toBe('us-east-1');
    expect(primary.ReplicationStatus).toEqual([
      { Region: 'eu-west-1', KmsKeyId: 'alias/aws/secretsmanager', Status: 'InSync', StatusMessage: 'Replication succeeded' },
    ]);
    const replica = await west.send(new DescribeSecretCommand({ SecretId: name }));
    expect(replica.PrimaryRegion).toBe('us-east-1');
    expect(replica.ReplicationStatus).toBeUndefined();
    expect(replica.VersionIdsToStages).toEqual(primary.VersionIdsToStages);
    const listed = await east.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [name] }] }));
    expect(listed.SecretList?.[0]?.PrimaryRegion).toBe('us-east-1');
  });

  it('reports the replica’s own read date and the KmsKeyId it was given', async () => {
    const name = uniqueName('replication');
    await east.send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: token('v1') }));
    await east.send(new ReplicateSecretToRegionsCommand({ SecretId: name, AddReplicaRegions: [{ Region: 'eu-west-1', KmsKeyId: 'alias/west' }] }));
    const before = (await east.send(new DescribeSecretCommand({ SecretId: name }))).ReplicationStatus?.[0];
    expect(before?.KmsKeyId).toBe('alias/west');
    expect(before?.LastAccessedDate).toBeUndefined();
    await west.send(new GetSecretValueCommand({ SecretId: name }));
    const after = (await east.send(new DescribeSecretCommand({ SecretId: name }))).ReplicationStatus?.[0];
    expect(after?.LastAccessedDate).toEqual(new Date(Date.UTC(2030, 0, 1)));
    expect((await west.send(new DescribeSecretCommand({ SecretId: name }))).KmsKeyId).toBe('alias/west');
  });

  it('copies each later primary write after the lag, with the same versions and labels', async () => {
    const { name } = await primaryWithReplica(LAG_MS);
    await east.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('v2') }));
    await east.send(new TagResourceCommand({ SecretId: name, Tags: [{ Key: 'team', Value: 'blue' }] }));
    expect(await statusOf(name)).toBe('InProgress');
    expect((await west.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('v1');
    await advance(LAG_MS);
    const primary = await east.send(new DescribeSecretCommand({ SecretId: name }));
    const replica = await west.send(new DescribeSecretCommand({ SecretId: name }));
    expect(replica.VersionIdsToStages).toEqual({ [token('v1')]: ['AWSPREVIOUS'], [token('v2')]: ['AWSCURRENT'] });
    expect(replica.VersionIdsToStages).toEqual(primary.VersionIdsToStages);
    expect(replica.Tags).toEqual([{ Key: 'team', Value: 'blue' }]);
    expect((await west.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPREVIOUS' }))).SecretString).toBe('v1');
    expect(await statusOf(name)).toBe('InSync');
  });

  it('replicates from CreateSecret’s AddReplicaRegions', async () => {
    const name = uniqueName('replication');
    const created = await east.send(
      new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: token('v1'), AddReplicaRegions: [{ Region: 'eu-west-1' }] }),
    );
    expect(created.ReplicationStatus?.map((entry) => entry.Region)).toEqual(['eu-west-1']);
    expect((await west.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('v1');
  });

  it('marks the Region Failed when another secret has the name there, and overwrites it with ForceOverwriteReplicaSecret', async () => {
    const name = uniqueName('replication');
    await west.send(new CreateSecretCommand({ Name: name, SecretString: 'local', ClientRequestToken: token('local') }));
    await east.send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: token('v1') }));
    await east.send(new ReplicateSecretToRegionsCommand({ SecretId: name, AddReplicaRegions: [{ Region: 'eu-west-1' }] }));
    const failed = (await east.send(new DescribeSecretCommand({ SecretId: name }))).ReplicationStatus?.[0];
    expect(failed).toMatchObject({ Status: 'Failed', StatusMessage: 'Secret with this name already exists in this region' });
    expect((await west.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('local');
    await east.send(
      new ReplicateSecretToRegionsCommand({ SecretId: name, AddReplicaRegions: [{ Region: 'eu-west-1' }], ForceOverwriteReplicaSecret: true }),
    );
    expect(await statusOf(name)).toBe('InSync');
    expect((await west.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('v1');
  });

  it('refuses to replicate into the primary’s own Region, a malformed Region, or from a replica', async () => {
    const { name } = await primaryWithReplica();
    const own = await rejection(east.send(new ReplicateSecretToRegionsCommand({ SecretId: name, AddReplicaRegions: [{ Region: 'us-east-1' }] })));
    expect(own.name).toBe('InvalidParameterException');
    const malformed = await rejection(east.send(new ReplicateSecretToRegionsCommand({ SecretId: name, AddReplicaRegions: [{ Region: 'EU_WEST' }] })));
    expect(malformed).toMatchObject({ name: 'ValidationException' });
    expect(malformed.message).toContain('Member must satisfy regular expression pattern');
    const fromReplica = await rejection(
      west.send(new ReplicateSecretToRegionsCommand({ SecretId: name, AddReplicaRegions: [{ Region: 'ap-south-1' }] })),
    );
    expect(fromReplica).toMatchObject({ name: 'InvalidParameterException', message: REPLICA_READ_ONLY });
  });
});

describe('A replica is read-only', () => {
  it('refuses every write API in the replica’s Region with AWS’s code and message', async () => {
    const { name } = await primaryWithReplica();
    const writes: [string, () => Promise<unknown>][] = [
      ['PutSecretValue', () => west.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'x', ClientRequestToken: token('x') }))],
      ['UpdateSecret', () => west.send(new UpdateSecretCommand({ SecretId: name, Description: 'changed' }))],
      [
        'UpdateSecretVersionStage',
        () => west.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'MINE', MoveToVersionId: token('v1') })),
      ],
      ['DeleteSecret', () => west.send(new DeleteSecretCommand({ SecretId: name }))],
      ['RestoreSecret', () => west.send(new RestoreSecretCommand({ SecretId: name }))],
      [
        'RotateSecret',
        () =>
          west.send(
            new RotateSecretCommand({
              SecretId: name,
              ClientRequestToken: token('rot'),
              RotationLambdaARN: 'arn:aws:lambda:eu-west-1:123456789012:function:r',
            }),
          ),
      ],
      ['TagResource', () => west.send(new TagResourceCommand({ SecretId: name, Tags: [{ Key: 'k', Value: 'v' }] }))],
      ['UntagResource', () => west.send(new UntagResourceCommand({ SecretId: name, TagKeys: ['k'] }))],
    ];
    for (const [operation, call] of writes) {
      expect({ operation, ...(await rejection(call())) }).toEqual({ operation, name: 'InvalidParameterException', message: REPLICA_READ_ONLY });
    }
    expect((await west.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('v1');
  });

  it('lets the replica’s own encryption key change, the one exception AWS documents', async () => {
    const { name } = await primaryWithReplica();
    await west.send(new UpdateSecretCommand({ SecretId: name, KmsKeyId: 'alias/west-key' }));
    expect((await west.send(new DescribeSecretCommand({ SecretId: name }))).KmsKeyId).toBe('alias/west-key');
    await east.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('v2') }));
    const afterCopy = await west.send(new DescribeSecretCommand({ SecretId: name }));
    expect(afterCopy.VersionIdsToStages?.[token('v2')]).toEqual(['AWSCURRENT']);
    expect(afterCopy.KmsKeyId).toBe('alias/west-key');
  });

  it('refuses to delete a primary that still has replicas, naming them', async () => {
    const { name, arn } = await primaryWithReplica();
    const refused = await rejection(east.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true })));
    expect(refused).toEqual({
      name: 'InvalidParameterException',
      message: `You can't delete secret ${arn} that still has replica regions [eu-west-1].`,
    });
  });
});

describe('The replication fault: pause and resume', () => {
  it('lets a replica lag past a new version while paused and brings it InSync on resume', async () => {
    const { name } = await primaryWithReplica(LAG_MS);
    await setReplication({ paused: true });
    await east.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('v2') }));
    await advance(10 * LAG_MS);
    expect((await west.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('v1');
    expect(await statusOf(name)).toBe('InProgress');
    expect((await sm.control('GET', 'replication')).json).toEqual({ lagMs: LAG_MS, paused: true, pending: 1 });
    await setReplication({ paused: false });
    expect((await west.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('v2');
    expect(await statusOf(name)).toBe('InSync');
    expect((await sm.control('GET', 'replication')).json).toMatchObject({ paused: false, pending: 0 });
  });

  it('rejects settings it does not understand, naming the field', async () => {
    const badLag = await sm.control('POST', 'replication', { lagMs: -1 });
    expect(badLag.status).toBe(400);
    expect(badLag.text).toContain('lagMs');
    const unknown = await sm.control('POST', 'replication', { delay: 5 });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('delay');
  });
});

describe('RemoveRegionsFromReplication and StopReplicationToReplica', () => {
  it('removes a Region: its replica is deleted and the primary becomes deletable', async () => {
    const { name } = await primaryWithReplica();
    const answer = await east.send(new RemoveRegionsFromReplicationCommand({ SecretId: name, RemoveReplicaRegions: ['eu-west-1'] }));
    expect(answer.ReplicationStatus).toEqual([]);
    expect((await rejection(west.send(new GetSecretValueCommand({ SecretId: name })))).name).toBe('ResourceNotFoundException');
    expect((await east.send(new DescribeSecretCommand({ SecretId: name }))).PrimaryRegion).toBeUndefined();
    await east.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
  });

  it('promotes the replica to a standalone secret that takes writes and no longer follows the primary', async () => {
    const { name, arn } = await primaryWithReplica();
    const stopped = await west.send(new StopReplicationToReplicaCommand({ SecretId: name }));
    expect(stopped.ARN).toBe(arn.replace(':us-east-1:', ':eu-west-1:'));
    expect((await east.send(new DescribeSecretCommand({ SecretId: name }))).ReplicationStatus).toBeUndefined();
    const promoted = await west.send(new DescribeSecretCommand({ SecretId: name }));
    expect(promoted.PrimaryRegion).toBeUndefined();
    await west.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'west-v2', ClientRequestToken: token('w2') }));
    await east.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'east-v2', ClientRequestToken: token('e2') }));
    expect((await west.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('west-v2');
  });

  it('refuses StopReplicationToReplica on a secret that is not a replica', async () => {
    const { name } = await primaryWithReplica();
    expect((await rejection(east.send(new StopReplicationToReplicaCommand({ SecretId: name })))).name).toBe('InvalidRequestException');
  });
});

describe('ListSecrets primary-region filter', () => {
  it('finds replicas and replicated primaries by their primary Region, case-sensitively', async () => {
    const { name } = await primaryWithReplica();
    const standalone = uniqueName('replication');
    await west.send(new CreateSecretCommand({ Name: standalone, SecretString: 'v', ClientRequestToken: token('s') }));
    const names = async (client: SecretsManagerClient, values: string[]): Promise<string[]> =>
      (
        (
          await client.send(
            new ListSecretsCommand({
              Filters: [
                { Key: 'name', Values: [name, standalone] },
                { Key: 'primary-region', Values: values },
              ],
            }),
          )
        ).SecretList ?? []
      ).map((entry) => entry.Name ?? '');
    expect(await names(west, ['us-east'])).toEqual([name]);
    expect(await names(east, ['us-east-1'])).toEqual([name]);
    expect(await names(west, ['US-EAST'])).toEqual([]);
    expect(await names(west, ['!us-east'])).toEqual([standalone]);
  });
});

describe('Regions and replicas with dataDir', () => {
  it('keeps another Region’s secrets and replicas across a restart, and sends primaries again', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sm-regions-'));
    try {
      const first = await startSecretsManagerEmulator({ dataDir });
      const name = uniqueName('replication');
      first.regions.model('eu-west-1').createSecret({ Name: `${name}/west`, SecretString: 'w', ClientRequestToken: token('w') });
      first.model.createSecret({ Name: name, SecretString: 'v1', ClientRequestToken: token('v1'), AddReplicaRegions: [{ Region: 'ap-south-1' }] });
      first.replication.pump();
      // A copy still on its way when the emulator stops lives only in memory.
      first.replication.configure({ paused: true });
      first.model.putSecretValue({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('v2') });
      await first.close();
      const second = await startSecretsManagerEmulator({ dataDir });
      try {
        expect(second.regions.model('eu-west-1').getSecretValue({ SecretId: `${name}/west` }).SecretString).toBe('w');
        second.replication.pump();
        const replica = second.regions.model('ap-south-1');
        expect(replica.describeSecret({ SecretId: name }).PrimaryRegion).toBe('us-east-1');
        expect(replica.getSecretValue({ SecretId: name }).SecretString).toBe('v2');
        expect(second.model.describeSecret({ SecretId: name }).ReplicationStatus?.[0]?.Status).toBe('InSync');
        expect(() => second.model.getSecretValue({ SecretId: `${name}/west` })).toThrow("Secrets Manager can't find the specified secret.");
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
