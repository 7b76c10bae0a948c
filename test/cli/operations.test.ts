import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../src/local/stack.js';
import { TokenRefresher } from '../../src/refresher/index.js';
import { LOCAL_AWS } from '../support/dynamodb.js';
import { spawnTypeScript } from '../support/processes.js';

const run = promisify(execFile);

let stack: LocalStack;
let environment: NodeJS.ProcessEnv;

beforeAll(async () => {
  stack = await startLocalStack({ secretsManager: { writeRatePerSecond: 0 } });
  environment = { ...process.env, ...stack.environment() };
});
afterAll(() => stack.close());

/** Runs the CLI as a user would, against the local stack through the SDK's endpoint variables. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: environment });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('Commands: init-table, status, rollback, policy', () => {
  const table = 'cli-operations-locks';
  const secretId = 'cli/operations-token';
  const issued: string[] = [];

  function refresher(): TokenRefresher {
    return new TokenRefresher({
      secretId,
      lockTable: table,
      secretsManager: new SecretsManagerClient({ ...LOCAL_AWS, endpoint: stack.secretsManagerEndpoint }),
      dynamodb: new DynamoDBClient({ ...LOCAL_AWS, endpoint: stack.dynamodbEndpoint }),
      refresh: () => {
        const token = `cli-token-${issued.length + 1}-${Math.random().toString(36).slice(2)}`;
        issued.push(token);
        return { token, expiresAt: Date.now() + 3_600_000 };
      },
    });
  }

  it('init-table creates the table once, then finds it on every later run', async () => {
    const first = await cli('init-table', '--table', table, '--json');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ table, created: true, ttl: 'unsupported' });
    const second = await cli('init-table', '--table', table);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`Found table ${table}`);
  });

  it('status reports a secret that does not exist yet', async () => {
    const result = await cli('status', '--secret-id', secretId, '--table', table);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('the secret does not exist');
    expect(result.stdout).toContain('Lease      never taken');
  });

  it('status reports generation, version and census without the token; rollback restores the previous generation', async () => {
    const first = refresher();
    const one = await first.refreshNow();
    const two = await first.refreshNow();
    await first.close();
    expect(two.generation).toBe(one.generation + 1);

    const before = await cli('status', '--secret-id', secretId, '--table', table, '--json');
    expect(before.code).toBe(0);
    const report = JSON.parse(before.stdout);
    expect(report.current).toMatchObject({ format: 'envelope', generation: two.generation });
    expect(report.lease).toMatchObject({ held: false });
    expect(report.census).toMatchObject({ labelled: 2, quota: 100 });
    const text = await cli('status', '--secret-id', secretId, '--table', table);
    for (const output of [before.stdout, text.stdout, text.stderr]) {
      for (const token of issued) expect(output).not.toContain(token);
    }

    const rolled = await cli('rollback', '--secret-id', secretId, '--table', table, '--json');
    expect(rolled.code).toBe(0);
    expect(JSON.parse(rolled.stdout)).toMatchObject({ label: 'AWSCURRENT', generation: one.generation });
    const after = JSON.parse((await cli('status', '--secret-id', secretId, '--table', table, '--json')).stdout);
    expect(after.current.generation).toBe(one.generation);
  });

  it('status --watch draws one report per frame and stops after --frames with exit code 0', async () => {
    const result = await cli('status', '--secret-id', secretId, '--table', table, '--watch', '--interval', '0.01', '--frames', '3');
    expect(result.code).toBe(0);
    expect(result.stdout.match(/^Secret {5}/gm)).toHaveLength(3);
    expect(result.stdout).toContain('frame 3; Ctrl-C to stop');
    // The secret and its tokens come from the tests above: the scan must have a stored token to miss.
    expect(result.stdout).toMatch(/^Token {6}generation \d+, version /m);
    expect(issued.length).toBeGreaterThan(0);
    for (const token of issued) expect(result.stdout).not.toContain(token);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('status --watch exits 0 on %s', async (signal) => {
    const watcher = spawnTypeScript('src/cli/main.ts', ['status', '--secret-id', secretId, '--table', table, '--watch', '--interval', '60'], {
      env: environment,
    });
    await watcher.nextLine((line) => line.includes('frame 1; Ctrl-C to stop'));
    expect(await watcher.kill(signal)).toEqual({ code: 0, signal: null });
  });

  it('status --watch refuses an interval that is not a positive number of seconds', async () => {
    const result = await cli('status', '--secret-id', secretId, '--table', table, '--watch', '--interval', '0');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('expected a positive number of seconds, got "0"');
  });

  it('rollback to a version that does not exist fails with a typed error and exit code 1', async () => {
    const result = await cli('rollback', '--secret-id', secretId, '--table', table, '--to-version', 'a1b2c3d4-0000-4000-8000-000000000000');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^token-refresher: RollbackError: .*has no version a1b2c3d4/);
  });

  it('policy prints the three documents as JSON', async () => {
    const result = await cli('policy', '--secret-id', secretId, '--table', table, '--region', 'us-east-1', '--account', '123456789012');
    expect(result.code).toBe(0);
    const documents = JSON.parse(result.stdout);
    expect(Object.keys(documents)).toEqual(['reader', 'refresher', 'operator', 'tableAdmin']);
    for (const document of Object.values(documents)) expect(document).toMatchObject({ Version: '2012-10-17' });
  });

  it('names the missing option when a required one is left out', async () => {
    const result = await cli('status', '--table', table);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("required option '--secret-id <id>' not specified");
  });
});
