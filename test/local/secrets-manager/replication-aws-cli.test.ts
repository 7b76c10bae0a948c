import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulatorUnderTest, token, uniqueName, type EmulatorUnderTest } from '../../support/secrets-manager.js';

// The AWS CLI, a second official client, replicating through the emulator: its SigV4 credential
// scope carries --region, which picks the emulator's Region. Skipped where no `aws` is installed.

const run = promisify(execFile);

function awsCliInstalled(): boolean {
  try {
    execFileSync('aws', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let sm: EmulatorUnderTest;

/** Runs `aws secretsmanager …` in `region` against the emulator and parses its JSON output. */
async function aws(region: string, ...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run('aws', ['secretsmanager', ...args, '--region', region, '--endpoint-url', sm.endpoint, '--output', 'json'], {
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
      AWS_PAGER: '',
    },
  });
  return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Record<string, unknown>);
}

describe.skipIf(!awsCliInstalled())('Replication through the AWS CLI', () => {
  beforeAll(async () => {
    sm = await startEmulatorUnderTest();
  });
  afterAll(() => sm.close());

  it('replicates a secret to eu-west-1, shows it there, and refuses a write to the replica', async () => {
    const name = uniqueName('cli');
    await aws('us-east-1', 'create-secret', '--name', name, '--secret-string', 'v1', '--client-request-token', token('v1'));
    const replicated = await aws('us-east-1', 'replicate-secret-to-regions', '--secret-id', name, '--add-replica-regions', 'Region=eu-west-1');
    expect(replicated.ReplicationStatus).toEqual([expect.objectContaining({ Region: 'eu-west-1' })]);
    const replica = await aws('eu-west-1', 'get-secret-value', '--secret-id', name);
    expect(replica).toMatchObject({ SecretString: 'v1', VersionId: token('v1') });
    expect(String(replica.ARN)).toContain(':eu-west-1:');
    const refused = await aws('eu-west-1', 'put-secret-value', '--secret-id', name, '--secret-string', 'v2').then(
      () => undefined,
      (error: { stderr?: string }) => error.stderr ?? '',
    );
    expect(refused).toContain('InvalidParameterException');
    expect(refused).toContain('Operation not permitted on a replica secret');
  }, 60_000); // four CLI start-ups, each about a second
});
