import { checkTargets, classifyDynamodbCalls, countRounds, projectRun } from '../loadtest/analysis.js';
import { LatencyHistogram } from '../loadtest/histogram.js';
import { DEFAULT_PRICES } from '../loadtest/prices.js';
import type { GrantOutcome, RunResult } from '../loadtest/run-result.js';
import type { SdkCallCounts } from '../../devkit/sdk-counters.js';
import type { DemoFleet } from './demo-fleet.js';

/**
 * The demo's run in the load test's report shape (so the same chart and table apply): the worker is
 * process 0, the Lambda environments 1..N.
 */
export function buildDemoResult(
  fleet: DemoFleet,
  info: {
    environments: number;
    lifetimeMs: number;
    idpCalls: number;
    versionsAlive: number | null;
    local: boolean;
    /** Under a rotating provider: the grant's fate (the callers' state-lost count is filled in here). */
    grant?: GrantOutcome | undefined;
  },
): RunResult {
  const endedAt = Date.now();
  const measuredMs = endedAt - fleet.startedAt;
  const sdk = mergeCounts(fleet.counters.map((counter) => counter.snapshot()));
  const ddb = classifyDynamodbCalls(sdk.attempts);
  const recorder = fleet.recorder;
  const round3 = (value: number): number => Math.round(value * 1000) / 1000;
  const summary = (histogram: LatencyHistogram) => ({
    calls: histogram.count,
    p50: round3(histogram.quantile(0.5)),
    p99: round3(histogram.quantile(0.99)),
    max: round3(histogram.maxMs),
  });
  const generations = [...recorder.firstServed].sort((a, b) => a[0] - b[0]);
  const refreshStarts = fleet.refreshes.map((refresh) => refresh.from - fleet.startedAt);
  const base: Omit<RunResult, 'projection' | 'targets'> = {
    strategy: 'locked',
    target: info.local ? 'local' : 'aws',
    settings: {
      processes: info.environments + 1,
      concurrency: 1,
      lifetimeMs: info.lifetimeMs,
      durationMs: measuredMs,
      thinkMs: 250,
      leaseMs: Math.min(10_000, Math.max(1_000, info.lifetimeMs / 5)),
      minValidityMs: Math.min(30_000, info.lifetimeMs / 10),
      refreshWindowMs: Math.min(300_000, info.lifetimeMs / 2),
      writeRatePerSecond: 50,
      seed: 0,
    },
    startedAt: new Date(fleet.startedAt).toISOString(),
    measuredMs,
    generations: generations.length,
    rounds: countRounds(refreshStarts, info.lifetimeMs),
    idp: { calls: info.idpCalls, minted: fleet.events.refreshed ?? 0, failed: fleet.events['refresh-failed'] ?? 0, abandoned: 0, cutOffAtEnd: 0 },
    secretsManager: {
      countedBy: 'sdk',
      calls: Object.fromEntries(
        Object.entries(sdk.attempts).filter(([op]) => !['GetItem', 'UpdateItem', 'PutItem', 'DescribeTable', 'CreateTable'].includes(op)),
      ),
      throttled: sdk.throttled,
      errors: sdk.errors,
    },
    versions: { created: fleet.versions.size, alive: info.versionsAlive },
    dynamodb: { ...ddb, failedConditionalWrites: sdk.conditionalFailures, operations: {} },
    latencyMs: summary(recorder.latency),
    latencyWhileValidMs: summary(recorder.latencyWhileValid),
    validity: {
      minRemainingMs: recorder.minRemainingMs,
      servedExpired: recorder.servedExpired,
      servedBelowMinValidity: recorder.servedBelowMinValidity,
      olderAfterNewer: recorder.olderAfterNewer,
    },
    waits: fleet.events.waited ?? 0,
    takeovers: fleet.events['took-over'] ?? 0,
    rollbacksPrevented: fleet.events['rollback-prevented'] ?? 0,
    events: { ...fleet.events },
    errors: { ...recorder.errors },
    getSecretValuePerProcessPerGeneration: 0,
    steadyState: { generations: 0, dynamodbReads: 0, dynamodbWrites: 0, failedConditionalWrites: 0, getSecretValueMaxPerProcess: 0, operations: {} },
    fault: { kind: 'none', description: 'demo' },
    ...(info.grant === undefined
      ? {}
      : { idpKind: 'rotating' as const, grant: { ...info.grant, stateLostAtCallers: recorder.errors.RefreshStateLostError ?? 0 } }),
    timeline: {
      binMs: 1_000,
      bins: recorder.takeBins().map((bin) => {
        const histogram = LatencyHistogram.from(bin.latency);
        return {
          t: bin.start - fleet.startedAt,
          calls: bin.calls,
          errors: bin.errors,
          p50: round3(histogram.quantile(0.5)),
          p99: round3(histogram.quantile(0.99)),
          max: round3(histogram.maxMs),
        };
      }),
      idpCalls: refreshStarts.map((t, index) => ({ t, worker: fleet.refreshes[index]?.member ?? 0, outcome: 'minted' })),
      versions: [...fleet.versions.values()].map((at) => at - fleet.startedAt).sort((a, b) => a - b),
      generations: generations.map(([seq, at]) => ({ seq, t: at - fleet.startedAt })),
      idpIntervals: fleet.refreshes.map((refresh) => ({
        worker: refresh.member,
        from: refresh.from - fleet.startedAt,
        to: (refresh.to ?? endedAt) - fleet.startedAt,
        ok: refresh.ok,
      })),
    },
  };
  const withProjection = { ...base, projection: projectRun(base, DEFAULT_PRICES) };
  return { ...withProjection, targets: checkTargets(withProjection).filter((check) => !check.name.includes('after cold start')) };
}

/** A few lines a newcomer can read: what happened, and whether the guarantees held. */
export function formatDemoSummary(result: RunResult): string {
  const seconds = (ms: number | null): string => (ms === null ? '–' : `${(ms / 1000).toFixed(1)} s`);
  const calls = result.secretsManager.calls;
  return [
    `Summary after ${seconds(result.measuredMs)}: ${result.generations} token generations served by 1 worker + ${result.settings.processes - 1} Lambda environments.`,
    `  IdP calls: ${result.idp.calls} (one per generation: ${result.idp.calls === result.generations ? 'yes' : 'no'})   secret versions created: ${result.versions.created}`,
    `  tokens served: ${result.latencyMs.calls}, ${result.validity.servedExpired} expired, least validity left ${seconds(result.validity.minRemainingMs)}`,
    `  getToken p50/p99: ${result.latencyMs.p50}/${result.latencyMs.p99} ms; from memory p99 ${result.latencyWhileValidMs.p99} ms`,
    `  Secrets Manager: ${calls.GetSecretValue ?? 0} GetSecretValue, ${calls.PutSecretValue ?? 0} PutSecretValue, ${calls.UpdateSecretVersionStage ?? 0} UpdateSecretVersionStage; ` +
      `DynamoDB: ${result.dynamodb.reads} reads, ${result.dynamodb.writes} writes`,
    `  errors at callers: ${Object.values(result.errors).reduce((sum, n) => sum + n, 0)}`,
    ...(result.grant === undefined ? [] : [grantLine(result.grant)]),
  ].join('\n');
}

/** A rotating provider's grant in one line: alive or revoked, and how often the refresh token turned. */
function grantLine(grant: GrantOutcome): string {
  const fate =
    grant.revokedAtMs === null ? 'never revoked' : `REVOKED ${(grant.revokedAtMs / 1000).toFixed(1)} s in (a refresh token was presented twice)`;
  return (
    `  rotating refresh token: ${grant.refreshTokensIssued - 1} rotations, each refresh token presented once; ` +
    `grant ${fate}; invalid_grant ${grant.invalidGrants} (the Secrets Manager writes above include the state secret's)`
  );
}

function mergeCounts(all: SdkCallCounts[]): SdkCallCounts {
  const total: SdkCallCounts = { attempts: {}, errors: {}, throttled: 0, conditionalFailures: 0 };
  for (const counts of all) {
    for (const [op, n] of Object.entries(counts.attempts)) total.attempts[op] = (total.attempts[op] ?? 0) + n;
    for (const [key, n] of Object.entries(counts.errors)) total.errors[key] = (total.errors[key] ?? 0) + n;
    total.throttled += counts.throttled;
    total.conditionalFailures += counts.conditionalFailures;
  }
  return total;
}
