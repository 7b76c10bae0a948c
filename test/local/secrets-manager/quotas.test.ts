import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OffsetClock } from '../../../src/local/secrets-manager/index.js';
import { startEmulatorUnderTest, token, uniqueName, type EmulatorUnderTest } from '../../support/secrets-manager.js';

// Version clean-up and quotas (SM-QUOTA-1..6), at AWS's numbers: more than 100 versions triggers
// clean-up, which never removes versions younger than 24 hours; the clock is moved, not waited for.

const HOUR_MS = 3_600_000;
/** A clock that stands still unless the test moves it, so ages are exact. */
const frozenClock = (): OffsetClock => new OffsetClock(() => Date.UTC(2026, 0, 1));
let sm: EmulatorUnderTest;
let client: SecretsManagerClient;

beforeAll(async () => {
  sm = await startEmulatorUnderTest({ clock: frozenClock() });
  client = sm.client();
});
afterAll(() => sm.close());

async function rejection(promise: Promise<unknown>): Promise<{ name: string; message: string; attempts: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    const failure = error as Error & { $metadata?: { attempts?: number } };
    return { name: failure.name, message: failure.message, attempts: failure.$metadata?.attempts };
  }
  throw new Error('Expected the call to fail, but it succeeded.');
}

async function versionCount(name: string): Promise<number> {
  let count = 0;
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true, ...(nextToken ? { NextToken: nextToken } : {}) }),
    );
    count += page.Versions?.length ?? 0;
    nextToken = page.NextToken;
  } while (nextToken);
  return count;
}

describe('Class: SecretsManagerModel — version quota (SM-QUOTA-1..3)', () => {
  it('refuses the 101st version while every unlabeled one is younger than 24 h, then makes room once they age (checklist 14)', async () => {
    const name = uniqueName('quota');
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: token('v1') }));
    for (let index = 2; index <= 100; index += 1) {
      await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: `v${index}`, ClientRequestToken: token(`v${index}`) }));
    }
    expect(await versionCount(name)).toBe(100);

    const refused = await rejection(
      client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v101', ClientRequestToken: token('v101') })),
    );
    expect(refused.name).toBe('LimitExceededException');
    expect(refused.attempts).toBe(1);
    expect(refused.message).toContain('maximum of 100 versions');
    expect((await client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('v100');

    // The SDK's default strategy retries LimitExceededException as throttling (SM-WIRE-9).
    const retrying = sm.client({ maxAttempts: 3 });
    const retried = await rejection(
      retrying.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v101', ClientRequestToken: token('v101') })),
    );
    expect(retried).toMatchObject({ name: 'LimitExceededException', attempts: 3 });

    await sm.control('POST', 'clock', { advanceMs: 25 * HOUR_MS });
    const accepted = await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v101', ClientRequestToken: token('v101') }));
    expect(accepted.VersionStages).toEqual(['AWSCURRENT']);
    expect(await versionCount(name)).toBe(100);

    // The oldest unlabeled version made room, and reads of it say so (SM-GET-10).
    const purged = await rejection(client.send(new GetSecretValueCommand({ SecretId: name, VersionId: token('v1') })));
    expect(purged).toMatchObject({
      name: 'InvalidRequestException',
      message: `You can't perform this operation on secret version ${token('v1')} because it was deleted.`,
    });
    expect((await client.send(new GetSecretValueCommand({ SecretId: name, VersionId: token('v2') }))).SecretString).toBe('v2');
  });

  it('never removes labelled versions, however old (SM-QUOTA-2)', async () => {
    const tight = await startEmulatorUnderTest({ maxVersionsPerSecret: 3, deprecatedVersionMinAgeMs: HOUR_MS, clock: frozenClock() });
    try {
      const tightClient = tight.client();
      const name = uniqueName('labelled');
      await tightClient.send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: token('v1') }));
      await tightClient.send(
        new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('v2'), VersionStages: ['keep'] }),
      );
      await tightClient.send(
        new PutSecretValueCommand({ SecretId: name, SecretString: 'v3', ClientRequestToken: token('v3'), VersionStages: ['also'] }),
      );
      await tight.control('POST', 'clock', { advanceMs: 2 * HOUR_MS });
      const refused = await rejection(
        tightClient.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v4', ClientRequestToken: token('v4'), VersionStages: ['more'] })),
      );
      expect(refused.name).toBe('LimitExceededException');
      // Freeing a label makes its version removable: the next put succeeds and removes it.
      await tightClient.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'keep', RemoveFromVersionId: token('v2') }));
      await tightClient.send(
        new PutSecretValueCommand({ SecretId: name, SecretString: 'v4', ClientRequestToken: token('v4'), VersionStages: ['more'] }),
      );
      const listing = await tightClient.send(new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true }));
      expect(listing.Versions?.map((version) => version.VersionId)).toEqual([token('v4'), token('v3'), token('v1')]);
    } finally {
      await tight.close();
    }
  });

  it('removes an unlabeled version only once it is old enough, configurably (SM-QUOTA-3)', async () => {
    const tight = await startEmulatorUnderTest({ maxVersionsPerSecret: 3, deprecatedVersionMinAgeMs: HOUR_MS, clock: frozenClock() });
    try {
      const tightClient = tight.client();
      const name = uniqueName('aging');
      await tightClient.send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: token('v1') }));
      await tightClient.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('v2') }));
      await tightClient.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v3', ClientRequestToken: token('v3') }));
      await tight.control('POST', 'clock', { advanceMs: HOUR_MS - 1 });
      expect(
        (await rejection(tightClient.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v4', ClientRequestToken: token('v4') })))).name,
      ).toBe('LimitExceededException');
      await tight.control('POST', 'clock', { advanceMs: 1 });
      await tightClient.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v4', ClientRequestToken: token('v4') }));
      const listing = await tightClient.send(new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true }));
      expect(listing.Versions?.map((version) => version.VersionId)).toEqual([token('v4'), token('v3'), token('v2')]);
    } finally {
      await tight.close();
    }
  });
});

describe('Class: SecretsManagerModel — label quota (SM-QUOTA-4)', () => {
  it('allows 20 staging labels on a secret and refuses the 21st, by put and by move', async () => {
    const name = uniqueName('labels');
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: token('v1') }));
    const nineteen = Array.from({ length: 19 }, (_, index) => `L${index}`);
    await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('v2'), VersionStages: nineteen }));
    const byPut = await rejection(
      client.send(
        new PutSecretValueCommand({ SecretId: name, SecretString: 'v3', ClientRequestToken: token('v3'), VersionStages: ['one-too-many'] }),
      ),
    );
    expect(byPut.name).toBe('LimitExceededException');
    const byMove = await rejection(
      client.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'one-too-many', MoveToVersionId: token('v1') })),
    );
    expect(byMove.name).toBe('LimitExceededException');
    // Moving an existing label keeps the count at 20.
    await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v3', ClientRequestToken: token('v3'), VersionStages: ['L0'] }));
    expect((await client.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'L0' }))).SecretString).toBe('v3');
  });
});
