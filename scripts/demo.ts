/**
 * `npm start`: the whole thing on this machine in seconds. An embedded DynamoDB (dynalite) and
 * Secrets Manager emulator, a local OAuth 2.0 server minting short-lived tokens, one refresh
 * worker and a few simulated Lambda environments sharing the token. A live status line shows the
 * generation, the lease holder, refreshes, versions, tokens served and the least validity any
 * caller got; at the end (after --duration or Ctrl-C) a summary and a chart.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ensureLockTable, status, type SecretStatus } from '../src/index.js';
import { startLocalStack, type LocalStack } from '../src/local/index.js';
import { renderChart } from './loadtest/chart.js';
import { buildDemoResult, formatDemoSummary } from './demo/demo-summary.js';
import { startDemoFleet } from './demo/demo-fleet.js';
import { DEMO_IDP_KINDS, startDemoIdp, type DemoIdpKind } from './demo/demo-idp.js';
import { formatDemoStatus } from './demo/status-line.js';
import { runMain } from './support/run-main.js';

// The SDK's notice that its 2027 releases will need Node 22 is noise in a first demo on Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const number = (value: string): number => {
  const parsed = Number(value);
  if (!(Number.isFinite(parsed) && parsed > 0)) throw new InvalidArgumentError(`"${value}" is not a positive number.`);
  return parsed;
};

const program = new Command('demo')
  .description('token-refresher on this machine: a worker and simulated Lambda environments share one short-lived OAuth token.')
  .option('-d, --duration <seconds>', 'stop after this long (Ctrl-C stops earlier)', number, 45)
  .option('-e, --environments <n>', 'simulated Lambda environments', number, 6)
  .option('-l, --lifetime <seconds>', 'lifetime of the OAuth tokens', number, 20)
  .addOption(
    new Option('--idp <kind>', 'plain: a token per call (client credentials); rotating: refresh tokens valid once, a reused one revokes the grant')
      .choices([...DEMO_IDP_KINDS])
      .default('plain'),
  )
  .option('--aws', "use real AWS (the SDK's configuration: AWS_PROFILE / AWS_REGION) instead of the embedded stack")
  .option('--secret-id <name>', 'secret to keep the token in (created if missing)', 'token-refresher-demo')
  .option('--lock-table <name>', 'DynamoDB lease table (created if missing)', 'token-refresher-demo-locks')
  .option('--out-dir <dir>', 'where the summary JSON and the chart go', 'reports/demo')
  .addHelpText(
    'after',
    '\nThe same against real AWS (creates the secret and an on-demand table; delete them afterwards):\n' +
      '  AWS_PROFILE=... AWS_REGION=eu-west-1 npm start -- --aws --secret-id token-refresher-demo --lock-table token-refresher-demo-locks',
  );

async function main(): Promise<void> {
  const flags = program.parse().opts<{
    duration: number;
    environments: number;
    lifetime: number;
    idp: DemoIdpKind;
    aws?: boolean;
    secretId: string;
    lockTable: string;
    outDir: string;
  }>();
  const environments = Math.round(flags.environments);
  const lifetimeMs = flags.lifetime * 1000;
  const say = (line: string): void => void process.stdout.write(`${line}\n`);

  say(
    flags.aws
      ? 'Using real AWS (the SDK configuration decides account and Region).'
      : 'Starting dynalite and the Secrets Manager emulator on 127.0.0.1 …',
  );
  const stack: LocalStack | undefined = flags.aws ? undefined : await startLocalStack();
  const endpoints = stack === undefined ? {} : { secretsManager: stack.secretsManagerEndpoint, dynamodb: stack.dynamodbEndpoint };
  const local = stack === undefined ? {} : { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const dynamodb = new DynamoDBClient({ ...local, ...(endpoints.dynamodb ? { endpoint: endpoints.dynamodb } : {}) });
  const secretsManager = new SecretsManagerClient({ ...local, ...(endpoints.secretsManager ? { endpoint: endpoints.secretsManager } : {}) });
  await ensureLockTable({ client: dynamodb, tableName: flags.lockTable });
  const idp = await startDemoIdp(flags.idp, {
    lifetimeSeconds: flags.lifetime,
    secretId: flags.secretId,
    lockTable: flags.lockTable,
    secretsManager,
    dynamodb,
  });
  say(idp.description);
  say(`1 worker + ${environments} simulated Lambda environments share secret "${flags.secretId}"; lease table "${flags.lockTable}".\n`);

  const fleet = startDemoFleet({
    secretId: flags.secretId,
    lockTable: flags.lockTable,
    refresh: idp.refresh,
    stateSecretId: idp.stateSecretId,
    environments,
    invocationEveryMs: 250,
    leaseMs: Math.min(10_000, Math.max(1_000, lifetimeMs / 5)),
    endpoints,
    minValidityMs: Math.min(30_000, lifetimeMs / 10),
    binMs: 1_000,
  });

  const stopped = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, flags.duration * 1000);
    process.once('SIGINT', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const statusOptions = { secretId: flags.secretId, lockTable: flags.lockTable, dynamodb, secretsManager };
  let latest: SecretStatus | undefined;
  let done = false;
  void stopped.then(() => (done = true));
  while (!done) {
    latest = await status(statusOptions).catch(() => latest);
    const grant = idp.grant(fleet.startedAt);
    const line = formatDemoStatus(
      fleet,
      latest,
      idp.fleetRequests(),
      Date.now(),
      grant === undefined ? undefined : { revoked: grant.revokedAtMs !== null },
    );
    process.stdout.write(process.stdout.isTTY ? `\r\u001b[2K${line.slice(0, (process.stdout.columns ?? 200) - 1)}` : `${line}\n`);
    await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, process.stdout.isTTY ? 500 : 5_000))]);
  }
  if (process.stdout.isTTY) process.stdout.write('\n');

  await fleet.stop();
  const result = buildDemoResult(fleet, {
    environments,
    lifetimeMs,
    idpCalls: idp.fleetRequests(),
    versionsAlive: latest?.census.total ?? null,
    local: stack !== undefined,
    grant: idp.grant(fleet.startedAt),
  });
  await mkdir(flags.outDir, { recursive: true });
  const chartPath = join(flags.outDir, 'demo.svg');
  await writeFile(chartPath, renderChart([result], 'token-refresher demo'));
  await writeFile(join(flags.outDir, 'demo.json'), `${JSON.stringify(result, null, 2)}\n`);
  say(`\n${formatDemoSummary(result)}`);
  say(`\nChart: ${chartPath} (open it in a browser). Report: ${join(flags.outDir, 'demo.json')}`);
  say(
    'Run it against real AWS: AWS_PROFILE=... AWS_REGION=... npm start -- --aws  (creates the secret and an on-demand lease table).\n' +
      'Measure it under load: npm run loadtest; simulate 10,000 environments for a day: npm run simulate.' +
      (flags.idp === 'plain' ? '\nWith refresh tokens that rotate (a reused one revokes the grant): npm start -- --idp rotating.' : ''),
  );
  dynamodb.destroy();
  secretsManager.destroy();
  await idp.close();
  await stack?.close();
}

runMain(main);
