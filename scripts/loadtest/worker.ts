/**
 * One load-test worker process: `concurrency` callers calling the chosen strategy's `getToken()`
 * until the run's end, measuring every call, and reporting to the harness over IPC.
 * Started by the harness with `fork`; its configuration comes in LOADTEST_WORKER_CONFIG.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { setTimeout as sleep } from 'node:timers/promises';
import { LatencyHistogram } from './histogram.js';
import { callTokenIssuer } from './idp-client.js';
import { decodeIssuedToken } from './issued-token.js';
import {
  WORKER_CONFIG_VARIABLE,
  type HarnessMessage,
  type WorkerBin,
  type WorkerConfig,
  type WorkerMessage,
  type WorkerReport,
} from './protocol.js';
import { seededRandom } from './random.js';
import { SdkCallCounter, type SdkCallCounts } from './sdk-counters.js';
import { createStrategy } from './strategies/index.js';
import type { StrategyActivity, TokenSource } from './strategies/types.js';

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
const secretsManager = counter.attach(new SecretsManagerClient({}));
const dynamodb = counter.attach(new DynamoDBClient({}));

const latency = new LatencyHistogram();
const latencyWhileValid = new LatencyHistogram();
const errors: Record<string, number> = {};
const sources: Record<TokenSource, number> = { memory: 0, secret: 0, refreshed: 0 };
const firstServed = new Map<number, number>();
const bins = new Map<number, { calls: number; errors: number; latency: LatencyHistogram }>();
let pendingActivities: StrategyActivity[] = [];
let sentVersions = 0;
let sentFirstServed = 0;
let calls = 0;
let servedExpired = 0;
let servedBelowMinValidity = 0;
let minRemainingMs: number | null = null;
let olderAfterNewer = 0;
let highestSeq = 0;
let startAt = Number.NaN;
let sdkAtFirstToken: SdkCallCounts | null = null;

const strategy = createStrategy(config.strategy, {
  secretId: config.secretId,
  lockTable: config.lockTable,
  lifetimeMs: config.lifetimeMs,
  leaseMs: config.leaseMs,
  pollMs: config.pollMs,
  minValidityMs: config.minValidityMs,
  refreshWindowMs: config.refreshWindowMs,
  secretsManager,
  dynamodb,
  random: seededRandom(config.seed * 7919 + config.index),
  report: (activity) => pendingActivities.push(activity),
  async callIdentityProvider(signal) {
    pendingActivities.push({ kind: 'idp-call-started', at: Date.now() });
    try {
      const minted = await callTokenIssuer(config.issuerUrl, config.index, signal);
      pendingActivities.push({ kind: 'idp-call-ended', at: Date.now(), ok: true });
      return minted;
    } catch (error) {
      pendingActivities.push({ kind: 'idp-call-ended', at: Date.now(), ok: false });
      throw error;
    }
  },
});

const binFor = (at: number): { calls: number; errors: number; latency: LatencyHistogram } => {
  const start = startAt + Math.floor((at - startAt) / config.binMs) * config.binMs;
  let bin = bins.get(start);
  if (bin === undefined) {
    bin = { calls: 0, errors: 0, latency: new LatencyHistogram() };
    bins.set(start, bin);
  }
  return bin;
};

const countError = (name: string): void => {
  errors[name] = (errors[name] ?? 0) + 1;
  binFor(Date.now()).errors += 1;
};

async function caller(until: () => number): Promise<void> {
  while (Date.now() < until()) {
    const started = performance.now();
    try {
      const served = await strategy.getToken();
      const elapsed = performance.now() - started;
      const now = Date.now();
      calls += 1;
      latency.record(elapsed);
      const bin = binFor(now);
      bin.calls += 1;
      bin.latency.record(elapsed);
      sources[served.source] += 1;
      if (served.source === 'memory') latencyWhileValid.record(elapsed);
      sdkAtFirstToken ??= counter.snapshot();
      const claims = decodeIssuedToken(served.token);
      if (claims === undefined) {
        countError('UnrecognisedTokenServed');
      } else {
        const remaining = claims.exp - now;
        if (minRemainingMs === null || remaining < minRemainingMs) minRemainingMs = remaining;
        if (remaining <= 0) servedExpired += 1;
        if (remaining < config.minValidityMs) servedBelowMinValidity += 1;
        if (claims.seq < highestSeq) olderAfterNewer += 1;
        highestSeq = Math.max(highestSeq, claims.seq);
        if (!firstServed.has(claims.seq)) firstServed.set(claims.seq, now);
      }
    } catch (error) {
      countError(error instanceof Error ? error.name : 'UnknownError');
    }
    await sleep(config.thinkMs);
  }
}

function report(type: WorkerReport['type']): WorkerReport {
  const now = Date.now();
  const closedBins: WorkerBin[] = [];
  for (const [start, bin] of bins) {
    if (type === 'done' || start + config.binMs <= now) {
      closedBins.push({ start, calls: bin.calls, errors: bin.errors, latency: bin.latency.toJSON() });
      bins.delete(start);
    }
  }
  const versions = counter.seenVersions();
  const served = [...firstServed];
  const message: WorkerReport = {
    type,
    index: config.index,
    pid: process.pid,
    calls,
    errors: { ...errors },
    sources: { ...sources },
    servedExpired,
    servedBelowMinValidity,
    minRemainingMs,
    olderAfterNewer,
    latency: latency.toJSON(),
    latencyWhileValid: latencyWhileValid.toJSON(),
    sdk: counter.snapshot(),
    sdkAtFirstToken,
    bins: closedBins,
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
  let stopping = false;
  const started = new Promise<void>((resolve) => {
    process.on('message', (message: HarnessMessage) => {
      if (message.type === 'stop') stopping = true;
      if (message.type === 'start') {
        startAt = message.startAt;
        resolve();
      }
    });
  });
  await send({ type: 'ready', index: config.index, pid: process.pid });
  await started;
  const deadline = startAt + config.durationMs;
  const ticker = setInterval(() => void send(report('progress')), config.reportEveryMs);
  await sleep(Math.max(0, startAt - Date.now()));
  const stopAt = (): number => (stopping ? 0 : deadline);
  await Promise.all(Array.from({ length: config.concurrency }, () => caller(stopAt)));
  clearInterval(ticker);
  await strategy.close();
  await send(report('done'));
  secretsManager.destroy();
  dynamodb.destroy();
  process.disconnect();
}

main().catch((error: unknown) => {
  process.stderr.write(`worker ${config.index} failed: ${error instanceof Error ? error.name : 'error'}\n`);
  process.exit(1);
});
