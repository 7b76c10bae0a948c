/**
 * One load-test worker process: `concurrency` callers calling the chosen strategy's `getToken()`
 * until the run's end, measuring every call, and reporting to the harness over IPC.
 * Started by the harness with `fork`; its configuration comes in LOADTEST_WORKER_CONFIG.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { setTimeout as sleep } from 'node:timers/promises';
import { CallRecorder } from './call-recorder.js';
import { callTokenIssuer } from './idp-client.js';
import { WORKER_CONFIG_VARIABLE, type HarnessMessage, type WorkerConfig, type WorkerMessage, type WorkerReport } from './protocol.js';
import { seededRandom } from '../../src/index.js';
import { SdkCallCounter, type SdkCallCounts } from '../../devkit/sdk-counters.js';
import { createStrategy } from './strategies/index.js';
import type { StrategyActivity } from './strategies/types.js';

function readConfig(): WorkerConfig {
  const raw = process.env[WORKER_CONFIG_VARIABLE];
  if (raw === undefined || typeof process.send !== 'function') {
    process.stderr.write('worker.ts is started by the load-test harness (fork with LOADTEST_WORKER_CONFIG).\n');
    process.exit(2);
  }
  return JSON.parse(raw) as WorkerConfig;
}
const config = readConfig();

const counter = new SdkCallCounter();
// In several Regions the client's Region decides the SigV4 credential scope, hence which Region's
// Secrets Manager answers: this process reads its own Region's replica, and reaches the primary
// (writes, the lease table, reads past a lagging replica) through clients of the primary's Region.
const secretsManager = counter.attach(new SecretsManagerClient(config.region === undefined ? {} : { region: config.region }));
const remotePrimary = config.primaryRegion !== undefined && config.primaryRegion !== config.region ? config.primaryRegion : undefined;
// A second counter of its own on the primary's client: those calls count in both.
const toPrimaryCounter = remotePrimary === undefined ? undefined : new SdkCallCounter(Date.now, 'loadtestToPrimaryCounter');
const primarySecretsManager = remotePrimary === undefined ? undefined : counter.attach(new SecretsManagerClient({ region: remotePrimary }));
if (primarySecretsManager !== undefined) toPrimaryCounter?.attach(primarySecretsManager);
const dynamodb = counter.attach(new DynamoDBClient(config.primaryRegion === undefined ? {} : { region: config.primaryRegion }));
const recorder = new CallRecorder({ minValidityMs: config.minValidityMs, binMs: config.binMs });
let pendingActivities: StrategyActivity[] = [];
let sentVersions = 0;
let sentFirstServed = 0;
let sdkAtFirstToken: SdkCallCounts | null = null;

const strategy = createStrategy(config.strategy, {
  secretId: config.secretId,
  idp: config.idp,
  ...(config.stateSecretId === undefined ? {} : { stateSecretId: config.stateSecretId }),
  extensionClient: config.extensionClient,
  lockTable: config.lockTable,
  lifetimeMs: config.lifetimeMs,
  leaseMs: config.leaseMs,
  pollMs: config.pollMs,
  minValidityMs: config.minValidityMs,
  refreshWindowMs: config.refreshWindowMs,
  secretsManager,
  dynamodb,
  ...(primarySecretsManager === undefined || remotePrimary === undefined
    ? {}
    : {
        primarySecretsManager,
        // Only the locked strategy is told the primary's Region; the baselines just write through its client.
        ...(config.strategy === 'locked'
          ? { primaryRegion: remotePrimary, ...(config.replicationLagMs === undefined ? {} : { replicationLagMs: config.replicationLagMs }) }
          : {}),
      }),
  random: seededRandom(config.seed * 7919 + config.index),
  now: Date.now,
  report: (activity) => pendingActivities.push(activity),
  async callIdentityProvider(signal, refreshToken) {
    pendingActivities.push({ kind: 'idp-call-started', at: Date.now() });
    try {
      const minted = await callTokenIssuer(config.issuerUrl, config.index, signal, refreshToken);
      pendingActivities.push({ kind: 'idp-call-ended', at: Date.now(), ok: true });
      return minted;
    } catch (error) {
      pendingActivities.push({ kind: 'idp-call-ended', at: Date.now(), ok: false });
      throw error;
    }
  },
});

async function caller(deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const started = performance.now();
    try {
      const served = await strategy.getToken();
      sdkAtFirstToken ??= counter.snapshot();
      recorder.served(config.index, served, performance.now() - started, Date.now());
    } catch (error) {
      recorder.error(error instanceof Error ? error.name : 'UnknownError', Date.now());
    }
    await sleep(config.thinkMs);
  }
}

function report(type: WorkerReport['type']): WorkerReport {
  // Only the token secret's versions: the locked strategy also writes its refresh state's.
  const versions = counter.seenVersions().filter((seen) => seen.secretName === undefined || seen.secretName === config.secretId);
  const served = [...recorder.firstServed];
  const message: WorkerReport = {
    type,
    index: config.index,
    pid: process.pid,
    calls: recorder.calls,
    errors: { ...recorder.errors },
    sources: { ...recorder.sources },
    servedExpired: recorder.servedExpired,
    servedBelowMinValidity: recorder.servedBelowMinValidity,
    minRemainingMs: recorder.minRemainingMs,
    olderAfterNewer: recorder.olderAfterNewer,
    latency: recorder.latency.toJSON(),
    latencyWhileValid: recorder.latencyWhileValid.toJSON(),
    sdk: counter.snapshot(),
    sdkAtFirstToken,
    ...(config.region === undefined ? {} : { region: config.region }),
    ...(toPrimaryCounter === undefined ? {} : { sdkToPrimary: toPrimaryCounter.snapshot() }),
    bins: recorder.takeBins(type === 'done' ? undefined : Date.now()),
    activities: pendingActivities,
    firstServed: served.slice(sentFirstServed),
    versions: versions.slice(sentVersions),
  };
  pendingActivities = [];
  sentVersions = versions.length;
  sentFirstServed = served.length;
  return message;
}

const send = (message: WorkerMessage): Promise<void> =>
  new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send?.(message, undefined, {}, () => resolve());
  });

async function main(): Promise<void> {
  let startAt = Number.NaN;
  const started = new Promise<void>((resolve) => {
    process.on('message', (message: HarnessMessage) => {
      if (message.type === 'start') {
        startAt = message.startAt;
        resolve();
      }
    });
  });
  await send({ type: 'ready', index: config.index, pid: process.pid });
  await started;
  recorder.start(startAt);
  const deadline = startAt + config.durationMs;
  const ticker = setInterval(() => void send(report('progress')), config.reportEveryMs);
  await sleep(Math.max(0, startAt - Date.now()));
  await Promise.all(Array.from({ length: config.concurrency }, () => caller(deadline)));
  clearInterval(ticker);
  await strategy.close();
  await send(report('done'));
  secretsManager.destroy();
  primarySecretsManager?.destroy();
  dynamodb.destroy();
  process.disconnect();
}

main().catch((error: unknown) => {
  process.stderr.write(`worker ${config.index} failed: ${error instanceof Error ? error.name : 'error'}\n`);
  process.exit(1);
});
