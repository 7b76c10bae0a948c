import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { startLocalStack, type LocalStack } from '../../src/local/stack.js';
import { ensureLockTable } from '../../src/lock/index.js';
import { LOCAL_AWS } from '../support/dynamodb.js';

const run = promisify(execFile);
const TARGET = ['--secret-id', 'cli/worker-token', '--table', 'cli-worker-locks'];
const OAUTH = [...TARGET, '--token-url', 'https://idp.example.com/token', '--client-id', 'worker'];

/**
 * Parses `token-refresher worker …` in this process, with the output captured and exits turned into
 * errors — for the refusals, which all happen before any request.
 */
async function refusal(args: string[], env: Record<string, string> = {}): Promise<{ message: string; output: string }> {
  const program = buildProgram();
  let output = '';
  for (const command of [program, ...program.commands]) {
    command.exitOverride().configureOutput({ writeOut: (text) => (output += text), writeErr: (text) => (output += text) });
  }
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    await program.parseAsync(['node', 'token-refresher', 'worker', ...args]);
  } catch (error) {
    return { message: (error as Error).message, output };
  } finally {
    for (const name of Object.keys(env)) delete process.env[name];
    Object.assign(process.env, saved);
  }
  throw new Error(`worker ${args.join(' ')} was accepted`);
}

describe('Command: worker (options)', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack();
  });
  afterAll(() => stack.close());
  afterEach(() => {
    for (const name of Object.keys(process.env)) if (name.startsWith('TOKEN_REFRESHER_')) delete process.env[name];
  });

  it('takes its settings from TOKEN_REFRESHER_* variables: --once with a refresh module stores the first token and exits 0', async () => {
    const dynamodb = new DynamoDBClient({ ...LOCAL_AWS, endpoint: stack.dynamodbEndpoint });
    await ensureLockTable({ client: dynamodb, tableName: 'cli-worker-locks' });
    dynamodb.destroy();
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'worker', '--once'], {
      env: {
        ...process.env,
        ...stack.environment(),
        TOKEN_REFRESHER_SECRET_ID: 'cli/worker-token',
        TOKEN_REFRESHER_TABLE: 'cli-worker-locks',
        TOKEN_REFRESHER_REFRESH_MODULE: 'test/worker/fixtures/refresh-ok.ts',
      },
    });
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((line) => line.event === 'refreshed')).toMatchObject({ level: 'info', generation: 1, secretId: 'cli/worker-token' });
    expect(stdout).not.toContain('module-token-');
  });

  it('refuses a client secret on the command line without repeating it', async () => {
    const { message, output } = await refusal([...OAUTH, '--client-secret', 'hunter2-secret']);
    expect(message).toBe(
      '--client-secret is not accepted: a command line is visible to every user of the machine. Put the secret in TOKEN_REFRESHER_CLIENT_SECRET, ' +
        'or store it in Secrets Manager and pass --client-secret-id.',
    );
    expect(message + output).not.toContain('hunter2-secret');
  });

  it('says where the client secret must come from, and that it must come from one place only', async () => {
    expect((await refusal(OAUTH)).message).toContain('set TOKEN_REFRESHER_CLIENT_SECRET, or pass --client-secret-id with the Secrets Manager secret');
    expect((await refusal([...OAUTH, '--client-secret-env', 'MY_IDP_SECRET'])).message).toContain('set MY_IDP_SECRET, or pass --client-secret-id');
    const twice = await refusal([...OAUTH, '--client-secret-id', 'idp/client'], { TOKEN_REFRESHER_CLIENT_SECRET: 's3cr3t-value' });
    expect(twice.message).toBe('Give the client secret once: TOKEN_REFRESHER_CLIENT_SECRET is set and so is --client-secret-id.');
  });

  it('needs exactly one token source, and --client-id with --token-url', async () => {
    expect((await refusal(TARGET)).message).toContain('Say where tokens come from: --token-url and --client-id');
    expect((await refusal([...TARGET, '--token-url', 'https://idp.example.com/token'])).message).toBe(
      '--token-url needs --client-id (or TOKEN_REFRESHER_CLIENT_ID).',
    );
    expect((await refusal([...OAUTH, '--refresh-module', 'x.js'])).message).toBe('Give either --refresh-module or --token-url (OAuth), not both.');
  });

  it('explains a module without a refresh export, --force without --once, a bad log level and a missing secret id', async () => {
    expect((await refusal([...TARGET, '--refresh-module', 'test/worker/fixtures/refresh-missing.ts'])).message).toContain(
      'must export a function named "refresh"',
    );
    expect((await refusal([...TARGET, '--force', '--refresh-module', 'test/worker/fixtures/refresh-ok.ts'])).message).toBe(
      '--force only applies with --once.',
    );
    expect((await refusal([...TARGET, '--log-level', 'chatty'])).message).toMatch(
      /argument 'chatty' is invalid\. Allowed choices are debug, info, warn, error/,
    );
    expect((await refusal(['--table', 'x'])).message).toContain("required option '--secret-id <id>' not specified");
    expect((await refusal(['--table', 'x'], { TOKEN_REFRESHER_SECRET_ID: 'from-env' })).message).toContain('Say where tokens come from');
  });

  it('refuses --serve with --once, --serve without an SSRF token, and --lambda-extension outside Lambda', async () => {
    const module = ['--refresh-module', 'test/worker/fixtures/refresh-ok.ts'];
    expect((await refusal([...TARGET, ...module, '--serve', '--once'])).message).toContain('--serve needs a long-running worker');
    const noToken = { AWS_TOKEN: '', AWS_SESSION_TOKEN: '', AWS_CONTAINER_AUTHORIZATION_TOKEN: '' };
    expect((await refusal([...TARGET, ...module, '--serve'], noToken)).message).toContain(
      'set AWS_TOKEN, AWS_SESSION_TOKEN, AWS_CONTAINER_AUTHORIZATION_TOKEN',
    );
    expect((await refusal([...TARGET, ...module, '--lambda-extension'], { AWS_LAMBDA_RUNTIME_API: '' })).message).toContain(
      'AWS_LAMBDA_RUNTIME_API is not set',
    );
    expect((await refusal([...TARGET, ...module, '--serve-port', '99999'])).message).toContain('expected a port from 0 to 65535');
  });

  it('passes --primary-region (or TOKEN_REFRESHER_PRIMARY_REGION) to the refresher, which refuses a name that is no Region', async () => {
    const module = ['--refresh-module', 'test/worker/fixtures/refresh-ok.ts', '--once'];
    expect((await refusal([...TARGET, ...module, '--primary-region', 'Virginia'])).message).toMatch(/"primaryRegion" must be an AWS Region name/);
    expect((await refusal([...TARGET, ...module], { TOKEN_REFRESHER_PRIMARY_REGION: 'east' })).message).toMatch(/"primaryRegion"/);
  });

  it('chooses the grant with --grant (or TOKEN_REFRESHER_GRANT) and refuses options that do not go with it', async () => {
    const secret = { TOKEN_REFRESHER_CLIENT_SECRET: 'from-env' };
    expect((await refusal([...OAUTH, '--grant', 'refresh-token'], secret)).message).toBe(
      '--grant refresh-token needs --state-secret-id (or TOKEN_REFRESHER_STATE_SECRET_ID): the secret that keeps the refresh token, ' +
        'which readers cannot read. Seed it once with `token-refresher seed-state`.',
    );
    expect((await refusal(OAUTH, { ...secret, TOKEN_REFRESHER_GRANT: 'refresh-token' })).message).toContain('needs --state-secret-id');
    const stateful = [...OAUTH, '--grant', 'refresh-token', '--state-secret-id', 'cli/worker-state'];
    expect((await refusal([...stateful, '--audience', 'api'], secret)).message).toContain('--audience applies to the client credentials grant only');
    expect((await refusal([...OAUTH, '--refresh-token-key', 'rt'], secret)).message).toBe(
      '--refresh-token-key applies with --grant refresh-token only.',
    );
    expect((await refusal([...TARGET, '--grant', 'refresh-token', '--refresh-module', 'test/worker/fixtures/refresh-ok.ts'])).message).toBe(
      '--grant chooses the built-in OAuth source: it does not apply with --refresh-module.',
    );
    expect((await refusal([...OAUTH, '--grant', 'password'], secret)).message).toMatch(
      /argument 'password' is invalid\. Allowed choices are client-credentials, refresh-token/,
    );
  });

  it('documents its options and their variables in --help, without the refused --client-secret', async () => {
    const { output } = await refusal(['--help']);
    for (const option of [
      '--secret-id',
      '--token-url',
      '--client-secret-id',
      '--refresh-module',
      '--grant',
      '--refresh-token-key',
      '--once',
      '--health-port',
      '--serve',
      '--serve-port',
      '--lambda-extension',
      '--shutdown-timeout',
      '--primary-region',
    ]) {
      expect(output).toContain(option);
    }
    expect(output).toMatch(/env:\s+TOKEN_REFRESHER_SECRET_ID/);
    expect(output).not.toMatch(/--client-secret </);
  });
});
