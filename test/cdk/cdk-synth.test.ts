import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { asLists } from '../support/iam-statements.js';

const run = promisify(execFile);
const outdir = mkdtempSync(join(tmpdir(), 'cdk-synth-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const SETTINGS = {
  CDK_DEFAULT_ACCOUNT: '123456789012',
  // The CLI sets CDK_DEFAULT_REGION from the SDK's region, so the region is given the SDK's way.
  AWS_REGION: 'eu-west-1',
  TOKEN_SECRET_ID: 'example/api-token',
  LOCK_TABLE: 'token-locks',
  CLIENT_SECRET_ID: 'example/oauth-client-secret',
  TOKEN_URL: 'https://idp.example.com/oauth2/token',
  CLIENT_ID: 'example-client',
  API_URL: 'https://api.example.com/',
  WORKER_IMAGE: 'public.ecr.aws/example/token-refresher:latest',
};

/** Offline and without credentials: no keys, no instance metadata, and a proxy that refuses every connection. */
function offlineEnvironment(): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!/^(AWS_|CDK_)/.test(name)) environment[name] = value;
  return {
    ...environment,
    ...SETTINGS,
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    HTTPS_PROXY: 'http://127.0.0.1:9',
    HTTP_PROXY: 'http://127.0.0.1:9',
  };
}

type Statement = { Sid?: string } & Record<string, unknown>;

function policyStatements(template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> }): Statement[][] {
  return Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .map((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

async function tokenRefresherPolicy(): Promise<{ refresher: { Statement: Statement[] } }> {
  const { stdout } = await run(process.execPath, [
    '--import',
    'tsx',
    'src/cli/main.ts',
    'policy',
    '--secret-id',
    SETTINGS.TOKEN_SECRET_ID,
    '--table',
    SETTINGS.LOCK_TABLE,
    '--region',
    SETTINGS.AWS_REGION,
    '--account',
    SETTINGS.CDK_DEFAULT_ACCOUNT,
  ]);
  return JSON.parse(stdout);
}

describe('Example: examples/cdk through the CDK CLI', () => {
  it('cdk synth works offline, and each role granted the refresher carries exactly the statements token-refresher policy prints', {
    timeout: 180_000,
  }, async () => {
    const cdk = createRequire(import.meta.url).resolve('aws-cdk/bin/cdk');
    await run(process.execPath, [cdk, 'synth', '--quiet', '--no-notices', '--no-version-reporting', '--output', outdir], {
      cwd: 'examples/cdk',
      env: offlineEnvironment(),
    });
    const template = JSON.parse(readFileSync(join(outdir, 'TokenRefresherExample.template.json'), 'utf8'));
    const printed = await tokenRefresherPolicy();
    const sids = new Set(printed.refresher.Statement.map((statement) => statement.Sid));

    const granted = policyStatements(template).filter((statements) => statements.some((statement) => sids.has(statement.Sid)));
    expect(granted).toHaveLength(2); // the API Lambda's role and the worker's task role
    for (const statements of granted) {
      const ours = statements.filter((statement) => sids.has(statement.Sid));
      expect(ours.map(asLists)).toEqual(printed.refresher.Statement.map(asLists));
      // The rest (the OAuth client secret's read grant) reaches neither the token's secret nor the lock table.
      const others = JSON.stringify(statements.filter((statement) => !sids.has(statement.Sid)));
      expect(others).not.toContain(SETTINGS.TOKEN_SECRET_ID);
      expect(others).not.toContain(`table/${SETTINGS.LOCK_TABLE}`);
    }
  });
});
