import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerEnvironment, type InstalledProject, installPackedPackage, REPOSITORY_ROOT } from '../support/packed-package.js';

// The names the README documents for each entry point of the package. A TypeScript user of
// token-refresher/lambda has @types/aws-lambda (an optional peer dependency), so the consumer does too.
const DOCUMENTED: Record<string, { functions: string[]; errors: string[] }> = {
  'token-refresher': {
    functions: ['TokenRefresher', 'LeaseLock', 'ensureLockTable', 'verifyLockTable', 'status', 'rollback', 'lockNameFor', 'RefreshPolicy'],
    errors: [
      'TokenRefresherError',
      'ConfigurationError',
      'TokenUnavailableError',
      'RefreshFailedError',
      'RefreshTimeoutError',
      'InvalidSecretPayloadError',
      'VersionQuotaError',
      'SecretAccessError',
      'LockError',
      'LockLostError',
      'LockTimeoutError',
      'LockUnavailableError',
      'LockTableError',
    ],
  },
  'token-refresher/lambda': { functions: ['LambdaTokenProvider', 'tokenMiddleware'], errors: ['InvocationDeadlineError'] },
  'token-refresher/sources': {
    functions: ['oauth2ClientCredentials', 'oauth2RefreshToken'],
    errors: ['OAuthError', 'ClientSecretUnavailableError', 'RefreshStateMissingError', 'RefreshStateRejectedError'],
  },
  'token-refresher/local': { functions: ['startLocalStack', 'startDynalite', 'startSecretsManagerEmulator'], errors: [] },
  'token-refresher/iam': { functions: ['buildPolicies'], errors: [] },
  'token-refresher/worker': { functions: ['RefreshWorker', 'startHealthServer', 'createJsonLogger'], errors: [] },
  'token-refresher/agent-api': { functions: ['AgentApi', 'startAgentApiServer', 'resolveSsrfToken'], errors: [] },
};

/** require(esm) without a flag: Node 20.19+ and 22.12+. */
const REQUIRE_ESM = Boolean((process.features as { require_module?: boolean }).require_module);

let project: InstalledProject;

beforeAll(async () => {
  project = await installPackedPackage({ extraDependencies: ['@types/node@20', '@types/aws-lambda@8'] });
}, 240_000);

afterAll(async () => {
  await project?.remove();
});

/** Runs a script of the consumer project with Node and parses the one JSON line it prints. */
async function runScript(name: string, source: string): Promise<unknown> {
  await project.write(name, source);
  const { stdout } = await project.run(process.execPath, [name], { timeoutMs: 90_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
}

const CHECK_NAMES = `
  const report = {};
  for (const [specifier, expected] of Object.entries(documented)) {
    const module = await load(specifier);
    const root = await load('token-refresher');
    report[specifier] = {
      missing: [...expected.functions, ...expected.errors].filter((name) => typeof module[name] !== 'function'),
      notErrors: expected.errors.filter((name) => typeof module[name] === 'function' && module[name] !== root.TokenRefresherError && !(module[name].prototype instanceof root.TokenRefresherError)),
    };
  }
  console.log(JSON.stringify(report));
`;

describe('Package: token-refresher as installed from its tarball', () => {
  it('imports every exported entry point with the names the README documents', async () => {
    const report = await runScript(
      'names.mjs',
      `const documented = ${JSON.stringify(DOCUMENTED)};\nconst load = (specifier) => import(specifier);\n${CHECK_NAMES}`,
    );
    const clean = Object.fromEntries(Object.keys(DOCUMENTED).map((specifier) => [specifier, { missing: [], notErrors: [] }]));
    expect(report).toEqual(clean);
  });

  it.runIf(REQUIRE_ESM)('loads every entry point with require() from CommonJS, as a CommonJS Lambda handler does', async () => {
    const report = await runScript(
      'names.cjs',
      `(async () => {\nconst documented = ${JSON.stringify(DOCUMENTED)};\nconst load = async (specifier) => require(specifier);\n${CHECK_NAMES}})();`,
    );
    const clean = Object.fromEntries(Object.keys(DOCUMENTED).map((specifier) => [specifier, { missing: [], notErrors: [] }]));
    expect(report).toEqual(clean);
  });

  it('refreshes and serves a token against the local stack it ships', async () => {
    const result = await runScript(
      'refresh.mjs',
      `
      import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
      import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
      import { TokenRefresher, ensureLockTable } from 'token-refresher';
      import { startLocalStack } from 'token-refresher/local';
      const stack = await startLocalStack();
      try {
        const config = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
        const dynamodb = new DynamoDBClient({ ...config, endpoint: stack.dynamodbEndpoint });
        const secretsManager = new SecretsManagerClient({ ...config, endpoint: stack.secretsManagerEndpoint });
        await ensureLockTable({ client: dynamodb, tableName: 'locks' });
        let calls = 0;
        const refresher = new TokenRefresher({
          secretId: 'consumer/token', lockTable: 'locks', dynamodb, secretsManager,
          refresh: async () => { calls += 1; return { token: 'token-' + calls, expiresAt: Date.now() + 3_600_000 }; },
        });
        const first = await refresher.getToken();
        const second = await refresher.getToken();
        await refresher.close();
        dynamodb.destroy();
        secretsManager.destroy();
        console.log(JSON.stringify({ calls, first: [first.token, first.source, first.generation], second: [second.token, second.source] }));
      } finally {
        await stack.close();
      }
      `,
    );
    expect(result).toEqual({ calls: 1, first: ['token-1', 'refreshed', 1], second: ['token-1', 'memory'] });
  });

  it('runs the token-refresher command: --help, and local --json until it prints its endpoints', async () => {
    const bin = join(project.directory, 'node_modules', '.bin', 'token-refresher');
    const help = await project.run(bin, ['--help']);
    for (const command of ['worker', 'status', 'rollback', 'init-table', 'policy', 'local']) expect(help.stdout).toContain(command);

    const local = spawn(bin, ['local', '--json'], { cwd: project.directory, env: consumerEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = once(local, 'exit');
    const [line] = (await once(createInterface({ input: local.stdout }), 'line')) as [string];
    const endpoints = JSON.parse(line) as { dynamodbEndpoint: string; secretsManagerEndpoint: string };
    expect(endpoints.dynamodbEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoints.secretsManagerEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const answer = await fetch(endpoints.secretsManagerEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.ListSecrets' },
      body: '{}',
    });
    expect(answer.status).toBe(200);
    local.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
  });

  it.each([
    ['node16', { module: 'node16', moduleResolution: 'node16' }],
    ['bundler', { module: 'preserve', moduleResolution: 'bundler' }],
  ])('type-checks a consumer under moduleResolution %s', async (name, compilerOptions) => {
    await project.write(
      `consumer-${name}.ts`,
      `
      import { TokenRefresher, type TokenResult, TokenUnavailableError } from 'token-refresher';
      import { LambdaTokenProvider } from 'token-refresher/lambda';
      import { oauth2ClientCredentials } from 'token-refresher/sources';
      import { startLocalStack, type LocalStack } from 'token-refresher/local';
      import { buildPolicies } from 'token-refresher/iam';
      import { RefreshWorker } from 'token-refresher/worker';
      const refresher = new TokenRefresher({ secretId: 's', lockTable: 't', refresh: async () => ({ token: 't', expiresAt: Date.now() + 60_000 }) });
      const provider = new LambdaTokenProvider({ secretId: 's', lockTable: 't', refresh: oauth2ClientCredentials({ tokenUrl: 'https://idp.example.com/token', clientId: 'c', clientSecret: 'x' }) });
      export async function use(stack: LocalStack): Promise<number> {
        const result: TokenResult = await refresher.getToken();
        void provider; void startLocalStack; void buildPolicies; void RefreshWorker; void stack;
        // @ts-expect-error generation is a number, so this must not compile
        const wrong: string = result.generation;
        void wrong;
        return result.expiresAt.getTime() + (new TokenUnavailableError('s', 'AWSCURRENT', 'x').message.length);
      }
      `,
    );
    await project.write(
      `tsconfig-${name}.json`,
      JSON.stringify({
        compilerOptions: { ...compilerOptions, target: 'ES2023', lib: ['ES2023', 'ESNext.Disposable'], strict: true, noEmit: true, types: ['node'] },
        files: [`consumer-${name}.ts`],
      }),
    );
    const tsc = join(REPOSITORY_ROOT, 'node_modules', '.bin', 'tsc');
    const { stdout, stderr } = await project
      .run(tsc, ['-p', `tsconfig-${name}.json`], { timeoutMs: 120_000 })
      .catch((error: { stdout?: string; stderr?: string }) => ({
        stdout: `FAILED\n${error.stdout ?? ''}`,
        stderr: error.stderr ?? '',
      }));
    expect(`${stdout}${stderr}`).toBe('');
  });
});
