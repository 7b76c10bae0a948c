import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ConfigurationError, LeaseLock, MemoryLockStore, TokenRefresher, seededRandom } from '../../src/index.js';
import { createDispatcher, OffsetClock, RegionalModels, ReplicationHub, SecretsManagerModel, Throttle } from '../../src/local/index.js';
import { checkTargets, countRounds, projectRun } from '../loadtest/analysis.js';
import { CallRecorder } from '../loadtest/call-recorder.js';
import { LatencyHistogram } from '../loadtest/histogram.js';
import { decodeIssuedToken, encodeIssuedToken } from '../loadtest/issued-token.js';
import { DEFAULT_PRICES, type Prices } from '../loadtest/prices.js';
import type { RunResult, RunSettings } from '../loadtest/run-result.js';
import { createStrategy } from '../loadtest/strategies/index.js';
import type { MintedToken, ServedToken, StrategyActivity, StrategyName } from '../loadtest/strategies/types.js';
import { inProcessSecretsManagerClient, type InProcessCallCounts } from './in-process-secrets-manager.js';
import { checkRegions, type RegionLossRegionReport, type RegionLossReport, type RegionReport, type RegionsReport } from './region-checks.js';
import { DEFAULT_REPLICATION_LAG_MS, rttBetween } from './region-latency.js';
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
  /**
   * Several Regions: environments are spread evenly over them (environment i in `regions[i % n]`)
   * and the secret is replicated from the primary to the others. Empty or one: one Region, as before.
   */
  regions: string[];
  /** The secret's primary Region, which also holds the lease table. Default: the first of `regions`. */
  primaryRegion: string;
  /** Round trips between Regions in ms, keyed `a|b`; pairs not given use `region-latency.ts`'s table. */
  interRegionRttMs: Record<string, number>;
  /** Each primary change reaches the replicas after a lag drawn uniformly from this range (ms). */
  replicationLagMs: { min: number; max: number };
  /**
   * The primary Region lost from `startMs` after the run's start for `durationMs`: its Secrets
   * Manager and the lease table fail every call after `timeoutMs`, its environments get no
   * invocations, and nothing replicates out of it.
   */
  regionLoss: { startMs: number; durationMs: number; timeoutMs: number } | undefined;
  /** Test-only seams that break a guarantee on purpose, to show that the checks catch it. Never set in a real run. */
  testSeams: {
    /** From `atMs` on, environment `environment` serves the first token it was ever served, once (a rollback). */
    serveOlderToken?: { environment: number; atMs: number };
  };
}

/** A simulated run: the load test's report plus what the simulation itself cost. */
export interface SimulationResult extends RunResult {
  /** Several Regions: per-Region counts, the checks' inputs and the Region-loss outcome. */
  regions?: RegionsReport;
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
    regions: given.regions ?? [],
    primaryRegion: given.primaryRegion ?? given.regions?.[0] ?? 'us-east-1',
    interRegionRttMs: given.interRegionRttMs ?? {},
    replicationLagMs: given.replicationLagMs ?? DEFAULT_REPLICATION_LAG_MS,
    regionLoss: given.regionLoss,
    testSeams: given.testSeams ?? {},
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
  if (options.regions.length > 1 && !options.regions.includes(options.primaryRegion)) {
    throw new ConfigurationError(`primaryRegion must be one of the regions (${options.regions.join(', ')}); got ${options.primaryRegion}.`);
  }
  if (new Set(options.regions).size !== options.regions.length)
    throw new ConfigurationError(`regions must not repeat a Region; got ${options.regions.join(', ')}.`);
  const lag = options.replicationLagMs;
  if (!(Number.isFinite(lag.min) && lag.min >= 0 && lag.max >= lag.min && lag.max <= 86_400_000)) {
    throw new ConfigurationError(`replicationLagMs must be a range 0 ≤ min ≤ max ≤ 86400000; got ${lag.min}–${lag.max}.`);
  }
  for (const [pair, rtt] of Object.entries(options.interRegionRttMs)) {
    if (!(Number.isFinite(rtt) && rtt >= 0)) throw new ConfigurationError(`interRegionRttMs["${pair}"] must be a number ≥ 0; got ${rtt}.`);
  }
  const loss = options.regionLoss;
  if (loss !== undefined) {
    if (options.regions.length < 2) throw new ConfigurationError('regionLoss needs at least two regions: it takes the primary away.');
    if (!(loss.startMs >= 0 && loss.durationMs > 0 && loss.timeoutMs >= 0 && loss.startMs + loss.durationMs < options.durationMs)) {
      throw new ConfigurationError(
        `regionLoss must start at or after 0 and end before the run does (${options.durationMs} ms); got ${loss.startMs} + ${loss.durationMs} ms.`,
      );
    }
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
  const throttle =
    options.writeRatePerSecond > 0 ? new Throttle({ ratesPerSecond: { writes: options.writeRatePerSecond }, now: () => scheduler.now }) : undefined;
  const world = buildRegions(options, scheduler, throttle);
  const { model, primary, regionNames } = world;
  const multiRegion = regionNames.length > 1;
  const shared = world.clientOf(primary, primary);
  const unusedDynamodb = new DynamoDBClient({ region: primary, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const secretId = `simulated-${options.strategy}`;
  const lockTable = 'simulated-locks';
  await warmUp(
    shared,
    scheduler,
    secretId,
    regionNames.filter((region) => region !== primary),
  );
  for (const client of world.clients()) if (client !== shared) await warmUpReader(client, scheduler, secretId);
  await warmUpLibrary(shared, scheduler, secretId);
  world.afterWarmUp();
  throttle?.reset();
  const opsAfterWarmUp = world.operations();

  const recorder = new CallRecorder({ minValidityMs: options.minValidityMs, binMs: options.binMs });
  const start = scheduler.now;
  const end = start + options.durationMs;
  recorder.start(start);
  const regional = new Map(regionNames.map((region) => [region, new RegionTally(region, options.minValidityMs, options.durationMs)] as const));
  const loss = options.regionLoss === undefined ? undefined : new LossWatch(start + options.regionLoss.startMs, options.regionLoss.durationMs);
  world.lost = (region) => loss !== undefined && region === primary && loss.covers(scheduler.now);
  if (loss !== undefined) {
    scheduler.after(loss.from - scheduler.now, () => world.hub?.configure({ paused: true }));
    scheduler.after(loss.until - scheduler.now, () => {
      loss.returnedAtSeq = seq;
      world.hub?.configure({ paused: false });
    });
  }
  const lossTimeoutMs = options.regionLoss?.timeoutMs ?? 0;
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

  const count = (activity: StrategyActivity, tally?: RegionTally): void => {
    const key = activity.kind === 'event' ? activity.type : activity.kind;
    activityCounts[key] = (activityCounts[key] ?? 0) + 1;
    if (tally !== undefined) tally.events[key] = (tally.events[key] ?? 0) + 1;
  };
  const think = (): number => (options.thinkDistribution === 'fixed' ? options.thinkMs : -Math.log(1 - random()) * options.thinkMs);

  const strategies = [];
  for (let env = 0; env < options.environments; env += 1) {
    const clock = scheduler.clock(options.clockSkewMs === 0 ? 0 : (random() * 2 - 1) * options.clockSkewMs);
    const lockCounts: LockTableCounts = { reads: 0, writes: 0, failedConditionalWrites: 0, byKind: { acquire: 0, renew: 0, release: 0 } };
    envCounts.push(lockCounts);
    const envRandom = seededRandom(options.seed * 7919 + env);
    const region = regionNames[env % regionNames.length] as string;
    const tally = regional.get(region) as RegionTally;
    tally.environments += 1;
    const countRead = (): void => {
      getSecretValueByEnv[env] = (getSecretValueByEnv[env] ?? 0) + 1;
    };
    const countVersion = (versionId: string): void => {
      if (!versions.has(versionId)) versions.set(versionId, scheduler.now - start);
    };
    const client = perEnvironmentClient(world.clientOf(region, region), countRead, countVersion);
    const primaryClient = region === primary ? undefined : perEnvironmentClient(world.clientOf(region, primary), countRead, countVersion);
    const strategy = createStrategy(options.strategy, {
      secretId,
      lockTable,
      lifetimeMs: options.lifetimeMs,
      leaseMs: options.leaseMs,
      pollMs: options.pollMs,
      minValidityMs: options.minValidityMs,
      refreshWindowMs: options.refreshWindowMs,
      secretsManager: client,
      ...(primaryClient === undefined
        ? {}
        : { primaryRegion: primary, primarySecretsManager: primaryClient, replicationLagMs: options.replicationLagMs.max }),
      dynamodb: unusedDynamodb,
      random: envRandom,
      now: clock.now,
      clock,
      lock: new LeaseLock({
        store: new SimulatedLockStore(
          scheduler,
          options.dynamodbLatencyMs + rttBetween(region, primary, options.interRegionRttMs),
          lockCounts,
          memoryLock,
          () => (world.lost(primary) ? lossTimeoutMs : undefined),
        ),
        leaseMs: options.leaseMs,
        pollMs: options.pollMs,
        clock,
        random: envRandom,
        ownerId: `env-${env}`,
      }),
      report: (activity) => count(activity, multiRegion ? tally : undefined),
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
    const seam =
      options.testSeams.serveOlderToken?.environment === env ? new OlderTokenSeam(start + options.testSeams.serveOlderToken.atMs) : undefined;
    for (let caller = 0; caller < options.callersPerEnvironment; caller += 1) {
      scheduler.after(firstStart - scheduler.now, () => {
        void (async () => {
          while (scheduler.now < end) {
            if (world.lost(region) && loss !== undefined) {
              // A lost Region's environments get no invocations until it returns.
              await clock.sleep(loss.until - scheduler.now);
              continue;
            }
            const startedAt = scheduler.now;
            try {
              const served = seam === undefined ? await strategy.getToken() : seam.pass(await strategy.getToken(), scheduler.now);
              if (envAtFirstToken[env] === undefined) {
                envAtFirstToken[env] = { getSecretValue: getSecretValueByEnv[env] ?? 0, lock: structuredClone(lockCounts) };
              }
              recorder.served(env, served, scheduler.now - startedAt, clock.now());
              if (multiRegion) {
                const claims = decodeIssuedToken(served.token);
                tally.recorder.served(env, served, scheduler.now - startedAt, clock.now(), claims);
                if (loss !== undefined && claims !== undefined) loss.served(region, scheduler.now, claims, clock.now());
              }
            } catch (error) {
              const name = error instanceof Error ? error.name : 'UnknownError';
              recorder.error(name, scheduler.now);
              if (multiRegion) tally.recorder.error(name, scheduler.now);
              loss?.error(region, name, scheduler.now);
            }
            await clock.sleep(seam?.callAgainAtOnce() === true ? 1 : think());
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
  world.hub?.pump();
  const replicasInSync = regionNames
    .filter((region) => region !== primary)
    .every((region) => currentVersionOf(world.modelOf(region), secretId) === currentVersionOf(model, secretId));
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
  const smCalls = difference(world.operations(), opsAfterWarmUp);
  const smCounts = world.totals();
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
        (options.regionLoss === undefined ? 'healthy run (simulated)' : `primary Region ${primary} lost (simulated)`) +
        (multiRegion ? `, ${regionNames.length} Regions` : '') +
        (stoppedAt === undefined ? '' : `, stopped after ${measuredMs} virtual ms at the budget of ${options.maxIdpCalls} IdP calls`),
      ...(options.regionLoss === undefined
        ? multiRegion
          ? { label: `${regionNames.length} Regions` }
          : {}
        : {
            label: `${primary} lost`,
            atMs: options.regionLoss.startMs,
            untilMs: options.regionLoss.startMs + options.regionLoss.durationMs,
          }),
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
  const regionsReport: RegionsReport | undefined = multiRegion
    ? {
        primary,
        names: [...regionNames],
        rttMs: Object.fromEntries(
          regionNames
            .filter((region) => region !== primary)
            .map((region) => [`${region}|${primary}`, rttBetween(region, primary, options.interRegionRttMs)]),
        ),
        replicationLagMs: options.replicationLagMs,
        replicasInSyncAtEnd: replicasInSync,
        perRegion: regionNames.map((region) => {
          const tally = regional.get(region) as RegionTally;
          let steadyMax = 0;
          for (let env = 0; env < options.environments; env += 1) {
            if (regionNames[env % regionNames.length] !== region) continue;
            const total = getSecretValueByEnv[env] ?? 0;
            steadyMax = Math.max(steadyMax, total - (envAtFirstToken[env]?.getSecretValue ?? total));
          }
          return tally.report(world.getSecretValueServed(region), world.getSecretValueToPrimary(region), steadyMax);
        }),
        ...(loss === undefined || options.regionLoss === undefined
          ? {}
          : { regionLoss: loss.report(start, options.regionLoss.timeoutMs, primary, mints) }),
      }
    : undefined;
  const targets = checkTargets(withProjection);
  return {
    ...withProjection,
    ...(regionsReport === undefined ? {} : { regions: regionsReport }),
    targets: regionsReport === undefined ? targets : checkRegions({ ...withProjection, regions: regionsReport }, targets),
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
async function warmUp(
  client: SecretsManagerClient,
  scheduler: VirtualScheduler,
  secretId: string,
  replicaRegions: readonly string[] = [],
): Promise<void> {
  const pump = (call: Promise<unknown>) => pumped(scheduler, call);
  await pump(client.send(new CreateSecretCommand({ Name: `${secretId}-warm-up` })));
  await pump(client.send(new PutSecretValueCommand({ SecretId: `${secretId}-warm-up`, SecretString: '{}' })));
  await pump(client.send(new GetSecretValueCommand({ SecretId: `${secretId}-warm-up`, VersionStage: 'AWSCURRENT' })));
  await pump(client.send(new DescribeSecretCommand({ SecretId: `${secretId}-warm-up` })));
  await pump(client.send(new ListSecretVersionIdsCommand({ SecretId: `${secretId}-warm-up` })));
  await pump(
    client.send(
      new CreateSecretCommand({
        Name: secretId,
        Description: 'token-refresher fleet simulation',
        ...(replicaRegions.length === 0 ? {} : { AddReplicaRegions: replicaRegions.map((region) => ({ Region: region })) }),
      }),
    ),
  );
}

/** The first calls of a client that only reads (another Region's, or one to the primary from another Region). */
async function warmUpReader(client: SecretsManagerClient, scheduler: VirtualScheduler, secretId: string): Promise<void> {
  await pumped(scheduler, client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' })));
  await pumped(scheduler, client.send(new DescribeSecretCommand({ SecretId: secretId })));
}

/**
 * The library loads what only the lock's and the writer's paths run (contending, holding, the lease
 * lock, the secret's writes) with the first call that needs it, by dynamic import: real I/O, which
 * virtual time would run past, and only in the run that loads it first. One refresh of a throwaway
 * secret before virtual time starts loads all of it, so that every run sees the same schedule.
 */
async function warmUpLibrary(client: SecretsManagerClient, scheduler: VirtualScheduler, secretId: string): Promise<void> {
  const refresher = new TokenRefresher({
    secretId: `${secretId}-warm-up-library`,
    secretsManager: client,
    lock: new LeaseLock({ store: new MemoryLockStore() }),
    refresh: () => ({ token: 'warm-up', expiresAt: Date.now() + 3_600_000 }),
  });
  await scheduler.complete(refresher.getToken(), 1_000);
  await refresher.close();
}

/** Runs virtual time in steps of 1 s, with real turns between them, until `call` settles; a failure counts as settled. */
async function pumped<T>(scheduler: VirtualScheduler, call: Promise<T>): Promise<T | undefined> {
  return scheduler.complete(call, 1_000).catch(() => undefined);
}

/** The version AWSCURRENT is on, read from a model directly (no virtual time passes). */
function currentVersionOf(model: SecretsManagerModel, secretId: string): string | undefined {
  try {
    return model.getSecretValue({ SecretId: secretId, VersionStage: 'AWSCURRENT' }).VersionId;
  } catch {
    return undefined;
  }
}

/** Secrets Manager operations that change a primary secret (and so send a copy to its replicas). */
const PRIMARY_WRITES = new Set(['CreateSecret', 'PutSecretValue', 'UpdateSecretVersionStage', 'UpdateSecret']);

/**
 * The Regions of one simulation: one Secrets Manager model per Region (for one Region, the model
 * alone, as before), the replication between them with a lag drawn per change, and one SDK client
 * per (caller's Region, service's Region) with its round trip and its counts.
 */
class RegionWorld {
  readonly primary: string;
  readonly regionNames: readonly string[];
  /** The primary Region's model. */
  readonly model: SecretsManagerModel;
  readonly hub: ReplicationHub | undefined;
  /** Whether `region` is unreachable now (set once the run's start is known). */
  lost: (region: string) => boolean = () => false;
  readonly #regions: RegionalModels | undefined;
  readonly #clients = new Map<string, { from: string; to: string; client: SecretsManagerClient; counts: InProcessCallCounts }>();
  readonly #options: FleetSimulationOptions;
  readonly #scheduler: VirtualScheduler;
  readonly #throttle: Throttle | undefined;
  readonly #lagRandom: () => number;

  constructor(options: FleetSimulationOptions, scheduler: VirtualScheduler, throttle: Throttle | undefined) {
    this.#options = options;
    this.#scheduler = scheduler;
    this.#throttle = throttle;
    this.#lagRandom = seededRandom(options.seed * 104_729 + 3);
    const clock = new OffsetClock(() => scheduler.now);
    if (options.regions.length <= 1) {
      this.primary = options.regions[0] ?? options.primaryRegion;
      this.regionNames = [this.primary];
      this.model = new SecretsManagerModel({ clock });
      this.hub = undefined;
      this.#regions = undefined;
      return;
    }
    this.primary = options.primaryRegion;
    this.regionNames = options.regions;
    let regions: RegionalModels | undefined;
    const hub = new ReplicationHub(clock, (region) => (regions as RegionalModels).model(region));
    regions = new RegionalModels(
      this.primary,
      (region, onChanges) => new SecretsManagerModel({ clock, region, replication: hub, ...(onChanges ? { onChanges } : {}) }),
    );
    this.hub = hub;
    this.#regions = regions;
    this.model = regions.defaultModel;
  }

  modelOf(region: string): SecretsManagerModel {
    return this.#regions?.model(region) ?? this.model;
  }

  /** The client a process in `from` uses to reach Secrets Manager in `to`. */
  clientOf(from: string, to: string): SecretsManagerClient {
    const key = `${from}>${to}`;
    let entry = this.#clients.get(key);
    if (entry === undefined) {
      const counts: InProcessCallCounts = { operations: {}, throttled: 0, errors: {} };
      const hub = this.hub;
      const lag = this.#options.replicationLagMs;
      const timeoutMs = this.#options.regionLoss?.timeoutMs ?? 0;
      const client = inProcessSecretsManagerClient({
        dispatch: createDispatcher(this.modelOf(to)),
        scheduler: this.#scheduler,
        latencyMs: this.#options.secretsManagerLatencyMs + rttBetween(from, to, this.#options.interRegionRttMs),
        ...(this.#throttle === undefined || to !== this.primary ? {} : { throttle: this.#throttle }),
        counts,
        region: to,
        ...(hub === undefined
          ? {}
          : {
              beforeDispatch: (operation: string) => {
                if (to === this.primary && PRIMARY_WRITES.has(operation)) {
                  hub.configure({ lagMs: Math.round(lag.min + this.#lagRandom() * (lag.max - lag.min)) });
                } else {
                  hub.pump();
                }
              },
              unreachableFor: () => (this.lost(to) ? timeoutMs : undefined),
            }),
      });
      entry = { from, to, client, counts };
      this.#clients.set(key, entry);
    }
    return entry.client;
  }

  clients(): SecretsManagerClient[] {
    return [...this.#clients.values()].map((entry) => entry.client);
  }

  /** Forgets the warm-up's calls and lets its copies arrive at once. */
  afterWarmUp(): void {
    this.hub?.pump();
    for (const { counts } of this.#clients.values()) {
      counts.operations = {};
      counts.errors = {};
      counts.throttled = 0;
    }
  }

  /** Calls by operation, every client together. */
  operations(): Record<string, number> {
    return this.totals().operations;
  }

  totals(): InProcessCallCounts {
    const total: InProcessCallCounts = { operations: {}, throttled: 0, errors: {} };
    for (const { counts } of this.#clients.values()) {
      total.throttled += counts.throttled;
      for (const [key, value] of Object.entries(counts.operations)) total.operations[key] = (total.operations[key] ?? 0) + value;
      for (const [key, value] of Object.entries(counts.errors)) total.errors[key] = (total.errors[key] ?? 0) + value;
    }
    return total;
  }

  /** GetSecretValue calls Secrets Manager in `region` answered, from any Region. */
  getSecretValueServed(region: string): number {
    let total = 0;
    for (const entry of this.#clients.values()) if (entry.to === region) total += entry.counts.operations.GetSecretValue ?? 0;
    return total;
  }

  /** GetSecretValue calls processes in `region` sent to the primary in another Region. */
  getSecretValueToPrimary(region: string): number {
    if (region === this.primary) return 0;
    return this.#clients.get(`${region}>${this.primary}`)?.counts.operations.GetSecretValue ?? 0;
  }
}

function buildRegions(options: FleetSimulationOptions, scheduler: VirtualScheduler, throttle: Throttle | undefined): RegionWorld {
  return new RegionWorld(options, scheduler, throttle);
}

/** What one Region's environments were served, counted apart from the fleet's totals. */
class RegionTally {
  readonly region: string;
  environments = 0;
  readonly events: Record<string, number> = {};
  readonly recorder: CallRecorder;

  constructor(region: string, minValidityMs: number, durationMs: number) {
    this.region = region;
    this.recorder = new CallRecorder({ minValidityMs, binMs: durationMs + 120_000 });
  }

  report(servedHere: number, toPrimary: number, steadyMax: number): RegionReport {
    const recorder = this.recorder;
    return {
      region: this.region,
      environments: this.environments,
      calls: recorder.calls,
      sources: { ...recorder.sources },
      servedExpired: recorder.servedExpired,
      servedBelowMinValidity: recorder.servedBelowMinValidity,
      olderAfterNewer: recorder.olderAfterNewer,
      minRemainingMs: recorder.minRemainingMs,
      errors: { ...recorder.errors },
      latencyP99Ms: Math.round(recorder.latency.quantile(0.99) * 1000) / 1000,
      getSecretValue: { servedHere, toPrimary },
      getSecretValueMaxPerProcessSteady: steadyMax,
      replicaBehind: this.events['replica-behind'] ?? 0,
      events: { ...this.events },
    };
  }
}

/**
 * The test-only seam `serveOlderToken`: at the first change of token after `at` while the previous
 * token is still valid, the environment calls again at once and is served the token it had before — still valid, but older than one it
 * was already served: a rollback, which the checks must catch.
 */
class OlderTokenSeam {
  #at: number;
  #latest: ServedToken | undefined;
  #previous: ServedToken | undefined;
  #armed = false;

  constructor(at: number) {
    this.#at = at;
  }

  pass(served: ServedToken, now: number): ServedToken {
    if (this.#armed && this.#previous !== undefined) {
      this.#armed = false;
      return { token: this.#previous.token, source: 'memory' };
    }
    if (served.token !== this.#latest?.token) {
      this.#previous = this.#latest;
      this.#latest = served;
      const previousExp = this.#previous === undefined ? undefined : decodeIssuedToken(this.#previous.token)?.exp;
      // Only a previous token still valid a second from now: a rollback, not an expired token.
      if (now >= this.#at && previousExp !== undefined && previousExp > now + 1_000) {
        this.#at = Number.POSITIVE_INFINITY; // once
        this.#armed = true;
      }
    }
    return served;
  }

  callAgainAtOnce(): boolean {
    return this.#armed;
  }
}

/** Watches the Region-loss scenario: what each Region was served or refused during the loss and after. */
class LossWatch {
  readonly from: number;
  readonly until: number;
  /** The IdP's mint counter when the Region returned: tokens above it were minted after. */
  returnedAtSeq: number | undefined;
  readonly #regions = new Map<
    string,
    {
      servedDuring: number;
      errorsDuring: Record<string, number>;
      errorsAfter: Record<string, number>;
      firstErrorAt?: number;
      lastErrorAt?: number;
      lastServedBeforeError?: number;
      newServedAt?: number;
    }
  >();

  constructor(from: number, durationMs: number) {
    this.from = from;
    this.until = from + durationMs;
  }

  covers(now: number): boolean {
    return now >= this.from && now < this.until;
  }

  served(region: string, now: number, claims: { seq: number }, _wallNow: number): void {
    const entry = this.#entry(region);
    if (this.covers(now)) {
      entry.servedDuring += 1;
      if (entry.firstErrorAt === undefined) entry.lastServedBeforeError = now;
    }
    if (now >= this.until && entry.newServedAt === undefined && this.returnedAtSeq !== undefined && claims.seq > this.returnedAtSeq) {
      entry.newServedAt = now;
    }
  }

  error(region: string, name: string, now: number): void {
    if (now < this.from) return;
    const entry = this.#entry(region);
    const bucket = this.covers(now) ? entry.errorsDuring : entry.errorsAfter;
    bucket[name] = (bucket[name] ?? 0) + 1;
    entry.firstErrorAt ??= now;
    entry.lastErrorAt = now;
  }

  report(start: number, timeoutMs: number, primary: string, mints: ReadonlyArray<{ t: number }>): RegionLossReport {
    const returned = this.until - start;
    const firstMint = mints.find((mint) => mint.t >= returned);
    const relative = (at: number | undefined, origin: number): number | null => (at === undefined ? null : at - origin);
    const perRegion: RegionLossRegionReport[] = [...this.#regions.entries()].map(([region, entry]) => ({
      region,
      servedDuringLoss: entry.servedDuring,
      errorsDuringLoss: entry.errorsDuring,
      errorsAfterReturn: entry.errorsAfter,
      firstErrorAfterLossMs: relative(entry.firstErrorAt, this.from),
      lastServedDuringLossMs: relative(entry.lastServedBeforeError, this.from),
      lastErrorAfterReturnMs: relative(entry.lastErrorAt, this.until),
      newTokenServedAfterReturnMs: relative(entry.newServedAt, this.until),
    }));
    return {
      region: primary,
      fromMs: this.from - start,
      durationMs: this.until - this.from,
      timeoutMs,
      firstMintAfterReturnMs: firstMint === undefined ? null : firstMint.t - returned,
      idpCallsDuringLoss: mints.filter((mint) => mint.t >= this.from - start && mint.t < returned).length,
      perRegion,
    };
  }

  #entry(region: string) {
    let entry = this.#regions.get(region);
    if (entry === undefined) {
      entry = { servedDuring: 0, errorsDuring: {}, errorsAfter: {} };
      this.#regions.set(region, entry);
    }
    return entry;
  }
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
