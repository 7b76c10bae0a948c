import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ConfigurationError, LeaseLock, MemoryLockStore, seededRandom } from '../../src/index.js';
import { createDispatcher, OffsetClock, SecretsManagerModel, Throttle } from '../../src/local/index.js';
import { checkTargets, countRounds, projectRun } from '../loadtest/analysis.js';
import { CallRecorder } from '../loadtest/call-recorder.js';
import { LatencyHistogram } from '../loadtest/histogram.js';
import { encodeIssuedToken } from '../loadtest/issued-token.js';
import { DEFAULT_PRICES, type Prices } from '../loadtest/prices.js';
import type { RunResult, RunSettings } from '../loadtest/run-result.js';
import { createStrategy } from '../loadtest/strategies/index.js';
import type { MintedToken, StrategyActivity, StrategyName } from '../loadtest/strategies/types.js';
import { inProcessSecretsManagerClient, type InProcessCallCounts } from './in-process-secrets-manager.js';
import { VirtualScheduler } from './scheduler.js';
import { SimulatedLockStore, type LockTableCounts } from './simulated-lock-store.js';

/** What a fleet simulation runs; see {@link resolveSimulationOptions} for the defaults. */
export interface FleetSimulationOptions {
  strategy: StrategyName;
  /** Simulated processes (Lambda execution environments, containers). */
  environments: number;
  /** Concurrent callers per environment (1 for Lambda). */
  callersPerEnvironment: number;
  lifetimeMs: number;
  /** Virtual time simulated. */
  durationMs: number;
  leaseMs: number;
  pollMs: number;
  minValidityMs: number;
  refreshWindowMs: number;
  /** Pause between two calls of one caller: fixed, or exponentially distributed with this mean (invocations). */
  thinkMs: number;
  thinkDistribution: 'fixed' | 'exponential';
  /** Environments start spread evenly over this long (0: all at once, as the load test's workers). */
  rampUpMs: number;
  secretsManagerLatencyMs: number;
  dynamodbLatencyMs: number;
  idpLatencyMs: number;
  /** The emulator's secret-write throttle, 50/s like AWS. */
  writeRatePerSecond: number;
  /** Each environment's wall clock is off by a uniform random amount in ±this. */
  clockSkewMs: number;
  /**
   * Stop early once the fleet has made this many IdP calls: a herd stuck at the version quota
   * calls the IdP on every invocation, and virtual time cannot make that cheap. The report then
   * covers the time simulated.
   */
  maxIdpCalls: number;
  binMs: number;
  seed: number;
  prices: Prices;
}

/** A simulated run: the load test's report plus what the simulation itself cost. */
export interface SimulationResult extends RunResult {
  simulation: {
    environments: number;
    virtualMs: number;
    realMs: number;
    events: number;
    /** The chart keeps the first IdP call intervals only; the counts are complete. */
    idpIntervalsKept: number;
    idpIntervalsDropped: number;
  };
}

const VIRTUAL_START = Date.UTC(2026, 0, 1);
const MAX_INTERVALS_KEPT = 5_000;

/**
 * Defaults: a day of 10,000 Lambda-like environments, each invoked on average every 5 minutes,
 * sharing a one-hour token, with AWS-like latencies.
 */
/** The simulated workload in the load test's terms (environments are its processes), so that both can run it and be compared. */
export function workloadOf(options: FleetSimulationOptions): RunSettings {
  return {
    processes: options.environments,
    concurrency: options.callersPerEnvironment,
    lifetimeMs: options.lifetimeMs,
    durationMs: options.durationMs,
    thinkMs: options.thinkMs,
    leaseMs: options.leaseMs,
    minValidityMs: options.minValidityMs,
    refreshWindowMs: options.refreshWindowMs,
    writeRatePerSecond: options.writeRatePerSecond,
    seed: options.seed,
  };
}

export function resolveSimulationOptions(given: Partial<FleetSimulationOptions> = {}): FleetSimulationOptions {
  const lifetimeMs = given.lifetimeMs ?? 3_600_000;
  const leaseMs = given.leaseMs ?? Math.min(10_000, Math.max(1_000, Math.round(lifetimeMs / 5)));
  const options: FleetSimulationOptions = {
    strategy: given.strategy ?? 'locked',
    environments: given.environments ?? 10_000,
    callersPerEnvironment: given.callersPerEnvironment ?? 1,
    lifetimeMs,
    durationMs: given.durationMs ?? 86_400_000,
    leaseMs,
    pollMs: given.pollMs ?? 250,
    minValidityMs: given.minValidityMs ?? Math.min(30_000, Math.round(lifetimeMs / 10)),
    refreshWindowMs: given.refreshWindowMs ?? Math.min(300_000, Math.round(lifetimeMs / 2)),
    thinkMs: given.thinkMs ?? 300_000,
    thinkDistribution: given.thinkDistribution ?? 'exponential',
    rampUpMs: given.rampUpMs ?? 60_000,
    secretsManagerLatencyMs: given.secretsManagerLatencyMs ?? 10,
    dynamodbLatencyMs: given.dynamodbLatencyMs ?? 5,
    idpLatencyMs: given.idpLatencyMs ?? 100,
    writeRatePerSecond: given.writeRatePerSecond ?? 50,
    clockSkewMs: given.clockSkewMs ?? 0,
    maxIdpCalls: given.maxIdpCalls ?? 50_000,
    binMs: given.binMs ?? 600_000,
    seed: given.seed ?? 1,
    prices: { ...DEFAULT_PRICES, ...given.prices },
  };
  for (const [name, min] of [
    ['environments', 1],
    ['callersPerEnvironment', 1],
    ['lifetimeMs', 1_000],
    ['durationMs', 1_000],
    ['leaseMs', 100],
    ['pollMs', 1],
    ['maxIdpCalls', 1],
    ['binMs', 1],
  ] as const) {
    const value = options[name];
    if (!(Number.isFinite(value) && value >= min)) throw new ConfigurationError(`${name} must be at least ${min}; got ${value}.`);
  }
  for (const name of [
    'thinkMs',
    'rampUpMs',
    'secretsManagerLatencyMs',
    'dynamodbLatencyMs',
    'idpLatencyMs',
    'writeRatePerSecond',
    'clockSkewMs',
  ] as const) {
    if (!(Number.isFinite(options[name]) && options[name] >= 0)) throw new ConfigurationError(`${name} must be a number ≥ 0; got ${options[name]}.`);
  }
  if (!(options.refreshWindowMs > options.minValidityMs && options.refreshWindowMs <= lifetimeMs / 2)) {
    throw new ConfigurationError(`refreshWindowMs must be above minValidityMs and at most half the lifetime; got ${options.refreshWindowMs}.`);
  }
  return options;
}

/**
 * Runs the real strategies — for `locked` the real TokenRefresher and LeaseLock — in one process
 * under virtual time, against the emulator's own Secrets Manager model (reached through the
 * official SDK client with an in-process request handler) and the lock's in-memory
 * conditional-write model, and reports as the load test does.
 *
 * @example
 * ```ts
 * const result = await simulateFleet(resolveSimulationOptions({ environments: 100, durationMs: 3_600_000 }));
 * console.log(result.idp.calls, result.generations);
 * ```
 */
export async function simulateFleet(
  options: FleetSimulationOptions,
  onProgress?: (progress: { virtualMs: number; realMs: number; events: number; idpCalls: number; generations: number }) => void,
): Promise<SimulationResult> {
  const realStart = performance.now();
  const scheduler = new VirtualScheduler(VIRTUAL_START);
  const random = seededRandom(options.seed);
  const model = new SecretsManagerModel({ clock: new OffsetClock(() => scheduler.now) });
  const smCounts: InProcessCallCounts = { operations: {}, throttled: 0, errors: {} };
  const throttle =
    options.writeRatePerSecond > 0 ? new Throttle({ ratesPerSecond: { writes: options.writeRatePerSecond }, now: () => scheduler.now }) : undefined;
  const shared = inProcessSecretsManagerClient({
    dispatch: createDispatcher(model),
    scheduler,
    latencyMs: options.secretsManagerLatencyMs,
    ...(throttle === undefined ? {} : { throttle }),
    counts: smCounts,
  });
  const unusedDynamodb = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const secretId = `simulated-${options.strategy}`;
  const lockTable = 'simulated-locks';
  await warmUp(shared, scheduler, secretId);
  throttle?.reset();
  const opsAfterWarmUp = { ...smCounts.operations };

  const recorder = new CallRecorder({ minValidityMs: options.minValidityMs, binMs: options.binMs });
  const start = scheduler.now;
  const end = start + options.durationMs;
  recorder.start(start);
  const memoryLock = new MemoryLockStore();
  const envCounts: LockTableCounts[] = [];
  const envAtFirstToken: Array<{ getSecretValue: number; lock: LockTableCounts } | undefined> = [];
  const getSecretValueByEnv = new Uint32Array(options.environments);
  const versions = new Map<string, number>();
  const mints: Array<{ t: number; worker: number; outcome: string }> = [];
  const intervals: RunResult['timeline']['idpIntervals'] = [];
  const activityCounts: Record<string, number> = {};
  let droppedIntervals = 0;
  let stoppedAt: number | undefined;
  let seq = 0;

  const count = (activity: StrategyActivity): void => {
    const key = activity.kind === 'event' ? activity.type : activity.kind;
    activityCounts[key] = (activityCounts[key] ?? 0) + 1;
  };
  const think = (): number => (options.thinkDistribution === 'fixed' ? options.thinkMs : -Math.log(1 - random()) * options.thinkMs);

  const strategies = [];
  for (let env = 0; env < options.environments; env += 1) {
    const clock = scheduler.clock(options.clockSkewMs === 0 ? 0 : (random() * 2 - 1) * options.clockSkewMs);
    const lockCounts: LockTableCounts = { reads: 0, writes: 0, failedConditionalWrites: 0, byKind: { acquire: 0, renew: 0, release: 0 } };
    envCounts.push(lockCounts);
    const envRandom = seededRandom(options.seed * 7919 + env);
    const client = perEnvironmentClient(
      shared,
      () => (getSecretValueByEnv[env] = (getSecretValueByEnv[env] ?? 0) + 1),
      (versionId) => {
        if (!versions.has(versionId)) versions.set(versionId, scheduler.now - start);
      },
    );
    const strategy = createStrategy(options.strategy, {
      secretId,
      lockTable,
      lifetimeMs: options.lifetimeMs,
      leaseMs: options.leaseMs,
      pollMs: options.pollMs,
      minValidityMs: options.minValidityMs,
      refreshWindowMs: options.refreshWindowMs,
      secretsManager: client,
      dynamodb: unusedDynamodb,
      random: envRandom,
      now: clock.now,
      clock,
      lock: new LeaseLock({
        store: new SimulatedLockStore(scheduler, options.dynamodbLatencyMs, lockCounts, memoryLock),
        leaseMs: options.leaseMs,
        pollMs: options.pollMs,
        clock,
        random: envRandom,
        ownerId: `env-${env}`,
      }),
      report: count,
      callIdentityProvider: (signal) => {
        const from = scheduler.now - start;
        count({ kind: 'idp-call-started', at: from });
        return new Promise<MintedToken>((resolve, reject) => {
          scheduler.after(options.idpLatencyMs / 2, () => {
            seq += 1;
            if (seq >= options.maxIdpCalls && !scheduler.isStopped) {
              stoppedAt = scheduler.now;
              scheduler.stop();
            }
            const minted = {
              token: encodeIssuedToken({ seq, exp: scheduler.now + options.lifetimeMs }),
              expiresAt: scheduler.now + options.lifetimeMs,
            };
            mints.push({ t: scheduler.now - start, worker: env, outcome: 'minted' });
            scheduler.after(options.idpLatencyMs / 2, () => {
              if (intervals.length < MAX_INTERVALS_KEPT) intervals.push({ worker: env, from, to: scheduler.now - start, ok: !signal?.aborted });
              else droppedIntervals += 1;
              if (signal?.aborted) reject(signal.reason);
              else resolve(minted);
            });
          });
        });
      },
    });
    strategies.push(strategy);
    const firstStart = start + (options.environments === 1 ? 0 : (options.rampUpMs * env) / options.environments);
    for (let caller = 0; caller < options.callersPerEnvironment; caller += 1) {
      scheduler.after(firstStart - scheduler.now, () => {
        void (async () => {
          while (scheduler.now < end) {
            const startedAt = scheduler.now;
            try {
              const served = await strategy.getToken();
              if (envAtFirstToken[env] === undefined) {
                envAtFirstToken[env] = { getSecretValue: getSecretValueByEnv[env] ?? 0, lock: structuredClone(lockCounts) };
              }
              recorder.served(env, served, scheduler.now - startedAt, clock.now());
            } catch (error) {
              recorder.error(error instanceof Error ? error.name : 'UnknownError', scheduler.now);
            }
            await clock.sleep(think());
          }
        })();
      });
    }
  }

  const progressEvery = Math.max(options.binMs, options.durationMs / 48);
  for (let until = start + progressEvery; ; until += progressEvery) {
    await scheduler.run(Math.min(until, end));
    onProgress?.({
      virtualMs: scheduler.now - start,
      realMs: performance.now() - realStart,
      events: scheduler.eventsRun,
      idpCalls: mints.length,
      generations: recorder.firstServed.size,
    });
    if (until >= end || scheduler.isStopped) break;
  }
  const measuredMs = (stoppedAt ?? end) - start;
  const closing = Promise.all(strategies.map((strategy) => strategy.close().catch(() => undefined)));
  if (!scheduler.isStopped) await scheduler.run(end + 60_000);
  void closing;

  const alive = countVersions(model, secretId);
  const sumLock = (pick: (counts: LockTableCounts, env: number) => number): number =>
    envCounts.reduce((sum, counts, env) => sum + pick(counts, env), 0);
  const steadyLock = (key: 'reads' | 'writes' | 'failedConditionalWrites'): number =>
    sumLock((counts, env) => counts[key] - (envAtFirstToken[env]?.lock[key] ?? counts[key]));
  let steadyGsvMax = 0;
  let gsvMax = 0;
  for (let env = 0; env < options.environments; env += 1) {
    const total = getSecretValueByEnv[env] ?? 0;
    gsvMax = Math.max(gsvMax, total);
    steadyGsvMax = Math.max(steadyGsvMax, total - (envAtFirstToken[env]?.getSecretValue ?? total));
  }
  const generations = [...recorder.firstServed].sort((a, b) => a[0] - b[0]);
  const smCalls = difference(smCounts.operations, opsAfterWarmUp);
  const round3 = (value: number): number => Math.round(value * 1000) / 1000;
  const summary = (histogram: CallRecorder['latency']) => ({
    calls: histogram.count,
    p50: round3(histogram.quantile(0.5)),
    p99: round3(histogram.quantile(0.99)),
    max: round3(histogram.maxMs),
  });
  const bins = recorder.takeBins();
  const base: Omit<RunResult, 'projection' | 'targets'> = {
    strategy: options.strategy,
    target: 'simulation',
    settings: workloadOf(options),
    startedAt: new Date(start).toISOString(),
    measuredMs,
    generations: generations.length,
    rounds: countRounds(
      mints.map((mint) => mint.t),
      options.lifetimeMs,
    ),
    idp: { calls: mints.length, minted: mints.length, failed: 0, abandoned: 0, cutOffAtEnd: 0 },
    secretsManager: { countedBy: 'emulator', calls: smCalls, throttled: smCounts.throttled, errors: { ...smCounts.errors } },
    versions: { created: versions.size, alive },
    dynamodb: {
      reads: sumLock((counts) => counts.reads),
      writes: sumLock((counts) => counts.writes),
      failedConditionalWrites: sumLock((counts) => counts.failedConditionalWrites),
      operations: {
        GetItem: sumLock((counts) => counts.reads),
        'UpdateItem (acquire)': sumLock((counts) => counts.byKind.acquire),
        'UpdateItem (renew)': sumLock((counts) => counts.byKind.renew),
        'UpdateItem (release/commit)': sumLock((counts) => counts.byKind.release),
      },
    },
    latencyMs: summary(recorder.latency),
    latencyWhileValidMs: summary(recorder.latencyWhileValid),
    validity: {
      minRemainingMs: recorder.minRemainingMs,
      servedExpired: recorder.servedExpired,
      servedBelowMinValidity: recorder.servedBelowMinValidity,
      olderAfterNewer: recorder.olderAfterNewer,
    },
    waits: activityCounts.waited ?? 0,
    takeovers: activityCounts['took-over'] ?? 0,
    rollbacksPrevented: activityCounts['rollback-prevented'] ?? 0,
    events: activityCounts,
    errors: { ...recorder.errors },
    getSecretValuePerProcessPerGeneration: generations.length === 0 ? 0 : round3(gsvMax / generations.length),
    steadyState: {
      generations: Math.max(0, generations.length - 1),
      dynamodbReads: steadyLock('reads'),
      dynamodbWrites: steadyLock('writes'),
      failedConditionalWrites: steadyLock('failedConditionalWrites'),
      getSecretValueMaxPerProcess: steadyGsvMax,
      operations: {},
    },
    fault: {
      kind: 'none',
      description:
        stoppedAt === undefined
          ? 'healthy run (simulated)'
          : `healthy run (simulated), stopped after ${measuredMs} virtual ms at the budget of ${options.maxIdpCalls} IdP calls`,
    },
    timeline: {
      binMs: options.binMs,
      bins: bins.map((bin) => {
        const histogram = LatencyHistogram.from(bin.latency);
        return {
          t: bin.start - start,
          calls: bin.calls,
          errors: bin.errors,
          p50: round3(histogram.quantile(0.5)),
          p99: round3(histogram.quantile(0.99)),
          max: round3(histogram.maxMs),
        };
      }),
      idpCalls: mints,
      versions: [...versions.values()].sort((a, b) => a - b),
      generations: generations.map(([generation, at]) => ({ seq: generation, t: at - start })),
      idpIntervals: intervals,
    },
  };
  const withProjection = { ...base, projection: projectRun(base, options.prices) };
  return {
    ...withProjection,
    targets: checkTargets(withProjection),
    simulation: {
      environments: options.environments,
      virtualMs: measuredMs,
      realMs: Math.round(performance.now() - realStart),
      events: scheduler.eventsRun,
      idpIntervalsKept: intervals.length,
      idpIntervalsDropped: droppedIntervals,
    },
  };
}

/**
 * The shared client seen by one environment: same requests, but its GetSecretValue calls and the
 * version ids its PutSecretValue calls created are attributed to it.
 */
function perEnvironmentClient(
  shared: SecretsManagerClient,
  onGetSecretValue: () => void,
  onVersionCreated: (versionId: string) => void,
): SecretsManagerClient {
  const client = Object.create(shared) as SecretsManagerClient;
  const send = shared.send.bind(shared) as (command: unknown) => Promise<unknown>;
  (client as unknown as { send: (command: unknown) => Promise<unknown> }).send = async (command) => {
    if (command instanceof GetSecretValueCommand) onGetSecretValue();
    const output = (await send(command)) as { VersionId?: unknown };
    if (command instanceof PutSecretValueCommand && typeof output.VersionId === 'string') onVersionCreated(output.VersionId);
    return output;
  };
  return client;
}

/**
 * The SDK resolves credentials, endpoints and serializers lazily on a client's first calls, on
 * real timers. Make those calls before virtual time starts, so that afterwards every call runs on
 * promise continuations alone.
 */
async function warmUp(client: SecretsManagerClient, scheduler: VirtualScheduler, secretId: string): Promise<void> {
  const pump = async <T>(call: Promise<T>): Promise<T | undefined> => {
    let settled = false;
    const result = call.then(
      (value) => value,
      () => undefined,
    );
    void result.finally(() => (settled = true));
    for (let turn = 0; !settled && turn < 10_000; turn += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      await scheduler.run(scheduler.now + 1_000);
    }
    return result;
  };
  await pump(client.send(new CreateSecretCommand({ Name: `${secretId}-warm-up` })));
  await pump(client.send(new PutSecretValueCommand({ SecretId: `${secretId}-warm-up`, SecretString: '{}' })));
  await pump(client.send(new GetSecretValueCommand({ SecretId: `${secretId}-warm-up`, VersionStage: 'AWSCURRENT' })));
  await pump(client.send(new DescribeSecretCommand({ SecretId: `${secretId}-warm-up` })));
  await pump(client.send(new ListSecretVersionIdsCommand({ SecretId: `${secretId}-warm-up` })));
  await pump(client.send(new CreateSecretCommand({ Name: secretId, Description: 'token-refresher fleet simulation' })));
}

/** Versions of the secret, deprecated ones included, read from the model itself (no virtual time passes). */
function countVersions(model: SecretsManagerModel, secretId: string): number | null {
  let count = 0;
  let nextToken: string | undefined;
  try {
    do {
      const page = model.listSecretVersionIds({ SecretId: secretId, IncludeDeprecated: true, MaxResults: 100, NextToken: nextToken });
      count += page.Versions?.length ?? 0;
      nextToken = page.NextToken;
    } while (nextToken !== undefined && nextToken !== '');
    return count;
  } catch {
    return null;
  }
}

function difference(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) if (value - (before[key] ?? 0) > 0) result[key] = value - (before[key] ?? 0);
  return result;
}
