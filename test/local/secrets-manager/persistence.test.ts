import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_AWS } from '../../support/dynamodb.js';
import { spawnTypeScript, type SpawnedScript } from '../../support/processes.js';
import { NO_THROTTLE, token } from '../../support/secrets-manager.js';

// Durability with a dataDir: an emulator process is killed with SIGKILL while writes are in flight,
// restarted on the same folder, and every write it had acknowledged must still be there.

const SCRIPT = 'test/local/secrets-manager/emulator-process.ts';
let dataDir: string;
const children: SpawnedScript[] = [];

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sm-emulator-'));
});
afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => child.kill('SIGKILL')));
  await rm(dataDir, { recursive: true, force: true });
});

async function startChild(): Promise<{ child: SpawnedScript; client: SecretsManagerClient; endpoint: string }> {
  const child = spawnTypeScript(SCRIPT, [dataDir, JSON.stringify({ rateLimits: NO_THROTTLE })]);
  children.push(child);
  const { endpoint } = await child.nextJson<{ endpoint: string }>();
  return { child, endpoint, client: new SecretsManagerClient({ ...LOCAL_AWS, endpoint, maxAttempts: 1 }) };
}

describe('Function: startSecretsManagerEmulator — dataDir durability', () => {
  it('keeps every acknowledged write, the clock and the metadata across kill -9 during writes, twice over', async () => {
    const name = 'durable/secret';
    const acknowledged = new Map<string, string>();
    let sequence = 0;
    for (let round = 0; round < 2; round += 1) {
      const { child, client, endpoint } = await startChild();
      if (round === 0) {
        await client.send(
          new CreateSecretCommand({ Name: name, SecretString: 'v0', ClientRequestToken: token('v0'), Tags: [{ Key: 'k', Value: 'v' }] }),
        );
        acknowledged.set(token('v0'), 'v0');
        const advanced = await fetch(new URL('/_emulator/clock', endpoint), { method: 'POST', body: JSON.stringify({ advanceMs: 3_600_000 }) });
        expect(advanced.status).toBe(200);
      } else {
        // Everything acknowledged before the previous crash is still there.
        for (const [versionId, value] of acknowledged) {
          expect((await client.send(new GetSecretValueCommand({ SecretId: name, VersionId: versionId }))).SecretString).toBe(value);
        }
        const clock = (await (await fetch(new URL('/_emulator/clock', endpoint))).json()) as { offsetMs: number };
        expect(clock.offsetMs).toBe(3_600_000);
        expect((await client.send(new DescribeSecretCommand({ SecretId: name }))).Tags).toEqual([{ Key: 'k', Value: 'v' }]);
      }
      // Four writers; the crash comes from inside the acknowledgement of the 20th write of the
      // round, so other writes are in flight at that instant.
      let acksThisRound = 0;
      const writer = async (): Promise<void> => {
        for (;;) {
          sequence += 1;
          const versionId = token(`r${round}-w${sequence}`);
          const value = `value-${sequence}`;
          try {
            await client.send(
              new PutSecretValueCommand({ SecretId: name, SecretString: value, ClientRequestToken: versionId, VersionStages: [`W${sequence % 4}`] }),
            );
          } catch {
            return; // the emulator is gone
          }
          acknowledged.set(versionId, value);
          acksThisRound += 1;
          if (acksThisRound === 20) child.child.kill('SIGKILL');
        }
      };
      await Promise.all([writer(), writer(), writer(), writer()]);
      expect((await child.exited).signal).toBe('SIGKILL');
      client.destroy();
    }
    const { client } = await startChild();
    const versions = await client.send(new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true }));
    const stored = new Map((versions.Versions ?? []).map((version) => [version.VersionId, version]));
    for (const versionId of acknowledged.keys()) expect(stored.has(versionId)).toBe(true);
    for (const [versionId, value] of acknowledged) {
      expect((await client.send(new GetSecretValueCommand({ SecretId: name, VersionId: versionId }))).SecretString).toBe(value);
    }
    const current = (versions.Versions ?? []).filter((version) => version.VersionStages?.includes('AWSCURRENT'));
    expect(current.map((version) => version.VersionId)).toEqual([token('v0')]);
    client.destroy();
  });
});
