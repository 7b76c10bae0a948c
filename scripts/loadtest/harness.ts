import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  ReplicateSecretToRegionsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureLockTable, seedState, TokenRefresherError } from '../../src/index.js';
import { startLocalStack, type LocalStack } from '../../src/local/index.js';
import { checkTargets, classifyDynamodbCalls, countCutOffAtEnd, countRounds, projectRun } from './analysis.js';
import { EmulatorControl, type EmulatorStats } from './emulator-control.js';
import { armFault } from './faults.js';
import { FleetAggregate } from './fleet-aggregate.js';
import { replayAfterFirstRotation } from './leaked-refresh-token.js';
import type { FaultName, LoadTestOptions } from './options.js';
import { WORKER_CONFIG_VARIABLE, type WorkerConfig, type WorkerMessage } from './protocol.js';
import { checkRegions, regionOfWorker, tallyRegions } from './regions.js';
import { ReplicaProbe } from './replica-probe.js';
import { type FaultOutcome, type LoadTestRegions, runSettingsOf, type RunResult } from './run-result.js';
import { encodeBaselineSeed } from './strategies/secret-payload.js';
import type { StrategyName } from './strategies/types.js';
import { startTokenIssuer, type TokenIssuer } from './token-issuer.js';

const WORKER_SCRIPT = fileURLToPath(new URL('./worker.ts', import.meta.url));
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
/** The contender poll interval the locked strategy is configured with (part of the recovery bound). */
export const LOCK_POLL_MS = 250;
/** How often the replica probe looks where AWSCURRENT points in each Region (the lag's resolution). */
const REPLICA_PROBE_MS = 50;

/** A live view of a run for the terminal. */
export interface RunProgress {
  strategy: StrategyName;
  fault: FaultName;
  elapsedMs: number;
  durationMs: number;
  calls: number;
  generations: number;
  idpCalls: number;
  versions: number;
  errors: number;
  minRemainingMs: number | null;
  servedExpired: number;
}

/** A worker process misbehaved in a way that makes the run meaningless. */
export class LoadTestRunError extends TokenRefresherError {}

/**
 * Runs one strategy under one fault: a fresh local stack (or AWS), a fresh secret, the token
 * issuer, `processes` worker processes with `concurrency` callers each for `durationMs`, then the
 * census and the emulator's counts.
 *
 * @example
 * ```ts
 * const result = await runLoadTest('locked', 'none', resolveLoadTestOptions({ durationMs: 10_000 }));
 * console.log(result.idp.calls, result.generations);
 * ```
 */
export async function runLoadTest(
  strategy: StrategyName,
  fault: FaultName,
  options: LoadTestOptions,
  onProgress?: (progress: RunProgress) => void,
): Promise<RunResult> {
  const stack: LocalStack | undefined =
    options.target === 'local' ? await startLocalStack({ secretsManager: { writeRatePerSecond: options.writeRatePerSecond } }) : undefined;
  const environment: NodeJS.ProcessEnv = { ...process.env, ...stack?.environment(), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  // Across Regions the first is the primary: the harness creates the secret and the lease table there.
  const regionNames = options.regions;
  const primaryRegion = regionNames[0];
  const local = stack === undefined ? {} : { region: primaryRegion ?? 'us-east-1', credentials: LOCAL_CREDENTIALS };
  const secretsManager = new SecretsManagerClient({ ...local, ...(stack ? { endpoint: stack.secretsManagerEndpoint } : {}) });
  const dynamodb = new DynamoDBClient({ ...local, ...(stack ? { endpoint: stack.dynamodbEndpoint } : {}) });
  const emulator = stack === undefined ? undefined : new EmulatorControl(stack.secretsManagerEndpoint);
  const rotating = options.idp === 'rotating';
  const issuer = await startTokenIssuer({ lifetimeMs: options.lifetimeMs, rotating });
  const workers = new Map<number, ChildProcess>();
  const aggregate = new FleetAggregate();
  let startAt = Number.NaN;
  const secretId = `${options.secretPrefix}-${strategy}-${fault}-${Date.now().toString(36)}`;
  // Under a rotating provider the locked strategy keeps the refresh token in a secret of its own.
  const stateSecretId = rotating && strategy === 'locked' ? `${secretId}-state` : undefined;
  const regionClients = new Map(
    regionNames.map((region) => [
      region,
      new SecretsManagerClient({ ...local, region, ...(stack ? { endpoint: stack.secretsManagerEndpoint } : {}) }),
    ]),
  );
  const probe = primaryRegion === undefined ? undefined : new ReplicaProbe(secretId, primaryRegion, regionClients);
  let leak: { stop(): void } | undefined;
  try {
    await secretsManager.send(new CreateSecretCommand({ Name: secretId, Description: 'token-refresher load test' }));
    if (primaryRegion !== undefined) await replicate(secretsManager, secretId, regionNames.slice(1), emulator, options.replicationLagMs);
    if (strategy === 'locked') await ensureLockTable({ client: dynamodb, tableName: options.lockTable });
    const seeded = rotating
      ? await seedRefreshState({ strategy, issuer, secretsManager, dynamodb, secretId, stateSecretId, lockTable: options.lockTable })
      : undefined;
    leak = options.testSeams.replaySeededRefreshToken === true && seeded !== undefined ? replayAfterFirstRotation(issuer, seeded) : undefined;
    const statsBefore = emulator === undefined ? undefined : await emulator.stats();
    const armed = await armFault(fault, {
      options,
      issuer,
      emulator,
      workers,
      aggregate,
      startAt: () => startAt,
      pollMs: LOCK_POLL_MS,
    });

    const stderr: string[] = [];
    const exited = [...Array(options.processes).keys()].map((index) => {
      const config: WorkerConfig = {
        index,
        strategy,
        extensionClient: strategy === 'locked' && (options.clients === 'extension' || (options.clients === 'mixed' && index % 2 === 1)),
        secretId,
        lockTable: options.lockTable,
        issuerUrl: issuer.url,
        idp: options.idp,
        ...(stateSecretId === undefined ? {} : { stateSecretId }),
        lifetimeMs: options.lifetimeMs,
        leaseMs: options.leaseMs,
        pollMs: LOCK_POLL_MS,
        minValidityMs: options.minValidityMs,
        refreshWindowMs: options.refreshWindowMs,
        concurrency: options.concurrency,
        durationMs: options.durationMs,
        thinkMs: options.thinkMs,
        binMs: options.binMs,
        reportEveryMs: 250,
        seed: options.seed,
        ...(primaryRegion === undefined
          ? {}
          : { region: regionOfWorker(regionNames, index), primaryRegion, replicationLagMs: options.replicationLagMs }),
      };
      const child = fork(WORKER_SCRIPT, [], {
        execArgv: ['--import', 'tsx'],
        env: { ...environment, [WORKER_CONFIG_VARIABLE]: JSON.stringify(config) },
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      });
      workers.set(index, child);
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        stderr.push(...chunk.split('\n').filter((line) => line.trim() !== ''));
        stderr.splice(0, Math.max(0, stderr.length - 20));
      });
      const ready = new Promise<void>((resolve) => {
        child.on('message', (message: WorkerMessage) => {
          if (message.type === 'ready') resolve();
          else aggregate.ingest(message);
        });
      });
      const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      return { ready, exit };
    });

    await withDeadline(
      Promise.all(exited.map(({ ready }) => ready)),
      60_000,
      () => new LoadTestRunError(`Worker processes did not start within 60 s. Last output:\n${stderr.join('\n')}`),
    );
    startAt = Date.now() + 200;
    for (const child of workers.values()) child.send({ type: 'start', startAt });
    probe?.start(REPLICA_PROBE_MS);

    const ticker =
      onProgress === undefined
        ? undefined
        : setInterval(() => onProgress(progressOf(strategy, fault, options, aggregate, issuer.mints.length, startAt)), 500);
    const codes = await withDeadline(
      Promise.all(exited.map(({ exit }) => exit)),
      options.durationMs + 60_000,
      () => new LoadTestRunError('Worker processes did not finish within a minute after the run ended.'),
    ).finally(() => {
      if (ticker !== undefined) clearInterval(ticker);
      for (const child of workers.values()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const endedAt = Date.now();
    leak?.stop();
    await armed.disarm();
    if (probe !== undefined) {
      await probe.stop();
      // The last copies arrive one lag after the last write (a paused fault has just resumed them).
      await new Promise((resolve) => setTimeout(resolve, options.replicationLagMs + 2 * REPLICA_PROBE_MS));
      await probe.poll();
    }
    const failed = codes.filter((code) => code !== 0 && code !== null);
    if (failed.length > 0) {
      throw new LoadTestRunError(`${failed.length} worker process(es) failed. Last output:\n${stderr.join('\n')}`);
    }

    const statsAfter = emulator === undefined ? undefined : await emulator.stats();
    const alive = await countVersions(secretsManager, secretId);
    const sdk = aggregate.sdk();
    const seenVersions = aggregate.versions();
    const generations = aggregate.servedGenerations();
    const mints = issuer.mints;
    const smCalls =
      statsAfter === undefined
        ? pick(sdk.attempts, isSecretsManagerOperation)
        : difference(statsAfter.operations, statsBefore?.operations ?? {}, ['CreateSecret', 'ListSecretVersionIds']);
    if (probe !== undefined && smCalls.DescribeSecret !== undefined) {
      // The replica probe's own reads are not the fleet's.
      smCalls.DescribeSecret -= probe.calls;
      if (smCalls.DescribeSecret <= 0) delete smCalls.DescribeSecret;
    }
    const ddb = classifyDynamodbCalls(sdk.attempts);
    const steady = aggregate.sdk(true);
    const steadyDdb = classifyDynamodbCalls(steady.attempts);
    const latency = aggregate.latency('latency');
    const whileValid = aggregate.latency('latencyWhileValid');
    const summary = (histogram: typeof latency) => ({
      calls: histogram.count,
      p50: round3(histogram.quantile(0.5)),
      p99: round3(histogram.quantile(0.99)),
      max: round3(histogram.maxMs),
    });
    const withoutProjection: Omit<RunResult, 'projection' | 'targets'> = {
      strategy,
      target: options.target,
      settings: runSettingsOf(options),
      idpKind: options.idp,
      clients: strategy === 'locked' ? options.clients : 'node',
      startedAt: new Date(startAt).toISOString(),
      measuredMs: endedAt - startAt,
      generations: generations.length,
      rounds: countRounds(
        mints.map((mint) => mint.receivedAt),
        options.lifetimeMs,
      ),
      idp: {
        calls: mints.length,
        minted: mints.filter((mint) => mint.outcome === 'minted').length,
        failed: mints.filter((mint) => mint.outcome === 'failed').length,
        rejected: mints.filter((mint) => mint.outcome === 'rejected').length,
        abandoned: mints.filter((mint) => mint.outcome === 'abandoned' || mint.outcome === 'held').length,
        // Workers close their strategy at the deadline, which aborts a refresh still in flight.
        cutOffAtEnd: countCutOffAtEnd({
          mints,
          activities: aggregate.activities,
          from: startAt + options.durationMs - (fault === 'slow-idp' ? options.slowIdpMs : 0) - 1_000,
          rotatingLocked: rotating && strategy === 'locked',
        }),
      },
      secretsManager: {
        countedBy: statsAfter === undefined ? 'sdk' : 'emulator',
        calls: smCalls,
        throttled:
          statsAfter === undefined
            ? sdk.throttled
            : sumValues(difference(statsAfter.throttled, statsBefore?.throttled ?? {})) + injectedThrottles(statsAfter, statsBefore),
        errors:
          statsAfter === undefined
            ? pick(sdk.errors, (key) => isSecretsManagerOperation(key.split(':')[0] ?? ''))
            : flattenErrors(statsAfter, statsBefore),
      },
      versions: { created: Math.max(seenVersions.length, alive === null ? 0 : alive), alive },
      dynamodb: { ...ddb, failedConditionalWrites: sdk.conditionalFailures, operations: pick(sdk.attempts, (op) => !isSecretsManagerOperation(op)) },
      latencyMs: summary(latency),
      latencyWhileValidMs: summary(whileValid),
      validity: {
        minRemainingMs: aggregate.minRemainingMs(),
        servedExpired: aggregate.sum('servedExpired'),
        servedBelowMinValidity: aggregate.sum('servedBelowMinValidity'),
        olderAfterNewer: aggregate.sum('olderAfterNewer'),
      },
      waits: aggregate.countActivities('waited'),
      takeovers: aggregate.countActivities('took-over'),
      rollbacksPrevented: aggregate.countActivities('rollback-prevented'),
      events: aggregate.eventCounts(),
      errors: aggregate.errors(),
      getSecretValuePerProcessPerGeneration: generations.length === 0 ? 0 : round3(aggregate.maxPerWorker('GetSecretValue') / generations.length),
      steadyState: {
        generations: Math.max(0, generations.length - 1),
        dynamodbReads: steadyDdb.reads,
        dynamodbWrites: steadyDdb.writes,
        failedConditionalWrites: steady.conditionalFailures,
        getSecretValueMaxPerProcess: aggregate.maxPerWorker('GetSecretValue', true),
        operations: steady.attempts,
      },
      fault: regionNames.length === 0 ? armed.outcome() : acrossRegions(armed.outcome(), regionNames.length, options.replicationLagMs),
      ...(rotating ? { grant: grantOf(issuer, startAt, aggregate.errors()) } : {}),
      timeline: {
        binMs: options.binMs,
        bins: aggregate.bins().map((bin) => ({
          t: bin.start - startAt,
          calls: bin.calls,
          errors: bin.errors,
          p50: round3(bin.latency.quantile(0.5)),
          p99: round3(bin.latency.quantile(0.99)),
          max: round3(bin.latency.maxMs),
        })),
        idpCalls: mints.map((mint) => ({ t: mint.receivedAt - startAt, worker: mint.worker, outcome: mint.outcome })),
        versions: seenVersions.map(([, at]) => at - startAt),
        generations: generations.map(([seq, at]) => ({ seq, t: at - startAt })),
        idpIntervals: [...aggregate.idpIntervals, ...aggregate.openIntervals(endedAt)].map((interval) => ({
          ...interval,
          from: interval.from - startAt,
          to: interval.to - startAt,
        })),
      },
    };
    const regions: LoadTestRegions | undefined =
      primaryRegion === undefined || probe === undefined
        ? undefined
        : {
            primary: primaryRegion,
            names: [...regionNames],
            injectedLagMs: options.replicationLagMs,
            perRegion: tallyRegions(regionNames, aggregate, probe.observed()),
          };
    const withProjection = {
      ...withoutProjection,
      ...(regions === undefined ? {} : { multiRegion: regions }),
      projection: projectRun(withoutProjection, options.prices),
    };
    const targets = checkTargets(withProjection);
    return { ...withProjection, targets: regions === undefined ? targets : [...targets, ...checkRegions(regions)] };
  } finally {
    leak?.stop();
    for (const child of workers.values()) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }
    }
    if (stack === undefined) {
      // On AWS every run's secret would cost a monthly fee: delete it once it has been counted.
      for (const id of [secretId, ...(stateSecretId === undefined ? [] : [stateSecretId])]) {
        await secretsManager.send(new DeleteSecretCommand({ SecretId: id, ForceDeleteWithoutRecovery: true })).catch(() => undefined);
      }
    }
    secretsManager.destroy();
    for (const client of regionClients.values()) client.destroy();
    dynamodb.destroy();
    await issuer.close();
    await stack?.close();
  }
}

/** A fault's name on the chart and in the table, with the Regions and the injected lag it ran across. */
function acrossRegions(outcome: FaultOutcome, regions: number, lagMs: number): FaultOutcome {
  const across = `${regions} Regions, replication lag ${lagMs} ms`;
  return { ...outcome, label: outcome.kind === 'none' ? across : `${outcome.label ?? outcome.kind} (${across})` };
}

/**
 * Replicates the run's secret from the primary to `replicas` and then sets the emulator's lag, so
 * the (still empty) secret exists in every Region at once and every later write arrives `lagMs` late.
 */
async function replicate(
  secretsManager: SecretsManagerClient,
  secretId: string,
  replicas: readonly string[],
  emulator: EmulatorControl | undefined,
  lagMs: number,
): Promise<void> {
  if (emulator === undefined) throw new LoadTestRunError('Several Regions run on the local emulator only: it injects the replication lag.');
  await emulator.setReplication({ lagMs: 0, paused: false });
  await secretsManager.send(
    new ReplicateSecretToRegionsCommand({ SecretId: secretId, AddReplicaRegions: replicas.map((region) => ({ Region: region })) }),
  );
  await emulator.setReplication({ lagMs });
}

/**
 * What a person does once before a fleet on a rotating provider starts: authorize, and put the
 * grant's first refresh token where the strategy keeps it. The locked strategy's state goes into its
 * state secret through the library's `seedState` (what `token-refresher seed-state` does); the
 * baselines keep it in their own secret format, beside the token as such code does. Returns the
 * seeded refresh token, for the test-only seam `replaySeededRefreshToken` only; it is never reported.
 */
async function seedRefreshState(run: {
  strategy: StrategyName;
  issuer: TokenIssuer;
  secretsManager: SecretsManagerClient;
  dynamodb: DynamoDBClient;
  secretId: string;
  stateSecretId: string | undefined;
  lockTable: string;
}): Promise<string> {
  const refreshToken = run.issuer.authorize();
  if (run.strategy === 'locked') {
    if (run.stateSecretId === undefined) throw new LoadTestRunError('The locked strategy on a rotating provider needs a state secret.');
    await seedState({
      secretId: run.secretId,
      stateSecretId: run.stateSecretId,
      lockTable: run.lockTable,
      secretsManager: run.secretsManager,
      dynamodb: run.dynamodb,
      state: { refreshToken },
    });
    return refreshToken;
  }
  await run.secretsManager.send(new PutSecretValueCommand({ SecretId: run.secretId, SecretString: encodeBaselineSeed(refreshToken) }));
  return refreshToken;
}

/** The rotating grant's fate in run time, and how many callers were told the state was lost. Never a token. */
function grantOf(issuer: TokenIssuer, startAt: number, errors: Record<string, number>): NonNullable<RunResult['grant']> {
  const revokedBy = issuer.mints.find((mint) => mint.seq === issuer.grant.revokedBySeq);
  return {
    revokedAtMs: issuer.grant.revokedAt === undefined ? null : issuer.grant.revokedAt - startAt,
    revokedByWorker: revokedBy?.worker ?? null,
    invalidGrants: issuer.grant.invalidGrants,
    refreshTokensIssued: issuer.grant.refreshTokensIssued,
    stateLostAtCallers: errors.RefreshStateLostError ?? 0,
  };
}

function progressOf(
  strategy: StrategyName,
  fault: FaultName,
  options: LoadTestOptions,
  aggregate: FleetAggregate,
  idpCalls: number,
  startAt: number,
): RunProgress {
  return {
    strategy,
    fault,
    elapsedMs: Math.max(0, Date.now() - startAt),
    durationMs: options.durationMs,
    calls: aggregate.sum('calls'),
    generations: aggregate.servedGenerations().length,
    idpCalls,
    versions: aggregate.versions().length,
    errors: sumValues(aggregate.errors()),
    minRemainingMs: aggregate.minRemainingMs(),
    servedExpired: aggregate.sum('servedExpired'),
  };
}

async function countVersions(client: SecretsManagerClient, secretId: string): Promise<number | null> {
  try {
    let count = 0;
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new ListSecretVersionIdsCommand({ SecretId: secretId, IncludeDeprecated: true, MaxResults: 100, NextToken: nextToken }),
      );
      count += page.Versions?.length ?? 0;
      nextToken = page.NextToken;
    } while (nextToken !== undefined && nextToken !== '');
    return count;
  } catch {
    return null;
  }
}

async function withDeadline<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const SECRETS_MANAGER_OPERATIONS = new Set([
  'GetSecretValue',
  'PutSecretValue',
  'UpdateSecretVersionStage',
  'DescribeSecret',
  'ListSecretVersionIds',
  'CreateSecret',
  'UpdateSecret',
  'BatchGetSecretValue',
]);

function isSecretsManagerOperation(operation: string): boolean {
  return SECRETS_MANAGER_OPERATIONS.has(operation);
}

function pick(counts: Record<string, number>, keep: (key: string) => boolean): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([key]) => keep(key)));
}

function difference(after: Record<string, number>, before: Record<string, number>, exclude: string[] = []): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [key, count] of Object.entries(after)) {
    const delta = count - (before[key] ?? 0);
    if (delta > 0 && !exclude.includes(key)) result[key] = delta;
  }
  return result;
}

function flattenErrors(after: EmulatorStats, before: EmulatorStats | undefined): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [operation, byType] of Object.entries(after.errors)) {
    for (const [type, count] of Object.entries(byType)) {
      const delta = count - (before?.errors[operation]?.[type] ?? 0);
      if (delta > 0) result[`${operation}:${type}`] = delta;
    }
  }
  return result;
}

/** Throttling errors injected as faults (the rate limiter's own are in `throttled`). */
function injectedThrottles(after: EmulatorStats, before: EmulatorStats | undefined): number {
  let total = 0;
  for (const [operation, byType] of Object.entries(after.errors)) {
    const delta = (byType.ThrottlingException ?? 0) - (before?.errors[operation]?.ThrottlingException ?? 0);
    const limiter = (after.throttled[operation] ?? 0) - (before?.throttled[operation] ?? 0);
    total += Math.max(0, delta - limiter);
  }
  return total;
}

function sumValues(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
