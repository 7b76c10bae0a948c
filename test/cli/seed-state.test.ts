import { execFile } from 'node:child_process';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSeed } from '../../src/cli/commands/seed-state.js';
import { ensureLockTable } from '../../src/lock/index.js';
import { startLocalStack, type LocalStack } from '../../src/local/stack.js';
import { ConfigurationError } from '../../src/shared/errors.js';
import { LOCAL_AWS } from '../support/dynamodb.js';

let stack: LocalStack;
let environment: NodeJS.ProcessEnv;
const table = 'cli-seed-locks';

beforeAll(async () => {
  stack = await startLocalStack({ secretsManager: { writeRatePerSecond: 0 } });
  environment = { ...process.env, ...stack.environment() };
  await ensureLockTable({ client: new DynamoDBClient({ ...LOCAL_AWS, endpoint: stack.dynamodbEndpoint }), tableName: table });
});
afterAll(() => stack.close());

/** Runs the CLI with `stdin` piped in (closed at once when undefined), as `printf … | token-refresher …` would. */
function cli(args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { env: { ...environment, ...options.env } },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number((error as { code?: number }).code ?? 1), stdout, stderr }),
    );
    child.stdin?.end(options.stdin ?? '');
  });
}

async function storedState(stateSecretId: string): Promise<unknown> {
  const client = new SecretsManagerClient({ ...LOCAL_AWS, endpoint: stack.secretsManagerEndpoint });
  const output = await client.send(new GetSecretValueCommand({ SecretId: stateSecretId, VersionStage: 'AWSCURRENT' }));
  client.destroy();
  return (JSON.parse(output.SecretString ?? '') as { state: unknown }).state;
}

describe('Command: seed-state', () => {
  const where = (name: string) => ['--secret-id', `cli/${name}`, '--state-secret-id', `cli/${name}-state`, '--table', table];

  it('stores a bare refresh token from stdin under --key, creating the state secret, and prints ids only', async () => {
    const run = await cli(['seed-state', ...where('bare'), '--json'], { stdin: 'rt-from-stdin\n' });

    expect(run.code).toBe(0);
    expect(await storedState('cli/bare-state')).toEqual({ refreshToken: 'rt-from-stdin' });
    expect(JSON.parse(run.stdout)).toMatchObject({ stateSecretId: 'cli/bare-state', fence: expect.any(Number) });
    expect(run.stdout + run.stderr).not.toContain('rt-from-stdin');
  });

  it('takes a JSON object from TOKEN_REFRESHER_SEED_STATE instead of stdin', async () => {
    const run = await cli(['seed-state', ...where('json')], { env: { TOKEN_REFRESHER_SEED_STATE: '{"refreshToken":"rt-env","tenant":"t1"}' } });

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Seeded cli\/json-state: version /);
    expect(await storedState('cli/json-state')).toEqual({ refreshToken: 'rt-env', tenant: 't1' });
  });

  it('refuses empty state and state that is not string fields with exit code 1 and what to do', async () => {
    const empty = await cli(['seed-state', ...where('empty')]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/The state is empty: pipe it into stdin or set TOKEN_REFRESHER_SEED_STATE/);
    const numbers = await cli(['seed-state', ...where('numbers')], { stdin: '{"refreshToken": 42}' });
    expect(numbers.code).toBe(1);
    expect(numbers.stderr).toMatch(/object of one or more string fields/);
  });

  it('has no option that takes the state on the command line', async () => {
    const help = await cli(['seed-state', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/never from the command line/);
    expect(help.stdout).not.toMatch(/--state <|--refresh-token/);
  });
});

describe('Function: parseSeed', () => {
  it('reads a JSON object as the whole state and anything else as one value under the key', () => {
    expect(parseSeed(' {"a":"1"} ', 'refreshToken')).toEqual({ a: '1' });
    expect(parseSeed('abc.def\n', 'rt')).toEqual({ rt: 'abc.def' });
    expect(() => parseSeed('{not json', 'rt')).toThrow(ConfigurationError);
    expect(() => parseSeed('  \n', 'rt')).toThrow(/empty/);
  });
});
