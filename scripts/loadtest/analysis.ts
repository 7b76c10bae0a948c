import type { Prices } from './prices.js';
import type { Projection, RunResult, TargetCheck } from './run-result.js';
import type { MintRecord } from './token-issuer.js';

const DAY_MS = 86_400_000;
const MONTH_MS = 30 * DAY_MS;
/** Secrets Manager keeps at most ~100 versions younger than 24 h (secrets-manager-spec SM-QUOTA-3). */
export const VERSION_QUOTA = 100;
const DYNAMODB_READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
const DYNAMODB_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

/** Splits DynamoDB attempts into reads and writes (table administration counts as neither). */
export function classifyDynamodbCalls(attempts: Record<string, number>): { reads: number; writes: number } {
  let reads = 0;
  let writes = 0;
  for (const [operation, count] of Object.entries(attempts)) {
    if (DYNAMODB_READS.has(operation)) reads += count;
    if (DYNAMODB_WRITES.has(operation)) writes += count;
  }
  return { reads, writes };
}

/**
 * Groups IdP call times into refresh rounds: a call more than half a lifetime after the first call
 * of the current round starts a new one. A herd is one round of many calls.
 */
export function countRounds(callTimes: readonly number[], lifetimeMs: number): number {
  let rounds = 0;
  let roundStart = Number.NEGATIVE_INFINITY;
  for (const at of [...callTimes].sort((a, b) => a - b)) {
    if (at - roundStart > lifetimeMs / 2) {
      rounds += 1;
      roundStart = at;
    }
  }
  return rounds;
}

/** Scales what a run measured to versions per 24 h and to a monthly bill at `prices`. */
export function projectRun(result: Omit<RunResult, 'projection' | 'targets'>, prices: Prices): Projection {
  const scale = (count: number, period: number): number => (result.measuredMs > 0 ? (count * period) / result.measuredMs : 0);
  const secretsManagerCalls = Object.values(result.secretsManager.calls).reduce((sum, count) => sum + count, 0);
  const versionsPer24h = scale(result.versions.created, DAY_MS);
  const secretsManagerCallsPerMonth = scale(secretsManagerCalls, MONTH_MS);
  const dynamodbReadsPerMonth = scale(result.dynamodb.reads, MONTH_MS);
  const dynamodbWritesPerMonth = scale(result.dynamodb.writes, MONTH_MS);
  const identityProviderCallsPerMonth = scale(result.idp.calls, MONTH_MS);
  const monthly = {
    secret: prices.secretPerMonth,
    secretsManagerCalls: (secretsManagerCallsPerMonth / 10_000) * prices.secretsManagerPer10kCalls,
    dynamodb: (dynamodbReadsPerMonth / 1e6) * prices.dynamodbPerMillionReads + (dynamodbWritesPerMonth / 1e6) * prices.dynamodbPerMillionWrites,
    identityProvider: identityProviderCallsPerMonth * prices.identityProviderPerCall,
  };
  return {
    versionsPer24h,
    versionQuota: VERSION_QUOTA,
    withinQuota: versionsPer24h < VERSION_QUOTA,
    secretsManagerCallsPerMonth,
    dynamodbReadsPerMonth,
    dynamodbWritesPerMonth,
    identityProviderCallsPerMonth,
    monthlyUsd: { ...monthly, total: monthly.secret + monthly.secretsManagerCalls + monthly.dynamodb + monthly.identityProvider },
    pricesReadOn: prices.readOn,
    pricesSource: prices.source,
  };
}

/**
 * The targets. For `locked`: one IdP call and one version per generation, no expired token,
 * O(1) DynamoDB writes and no failed conditional writes while the holder lives, ≤ 2 GetSecretValue
 * per process per generation, sub-millisecond p99 for in-process callers with a valid token, bounded recovery
 * after a crash, AWSCURRENT only moving forward. For the baselines: whether the herd shows.
 */
/**
 * The heartbeats a holder may write in one hold: one to spare for the secret's reads and writes,
 * plus one for each full heartbeat period (the lock's default, leaseMs / 3) of the longest IdP call
 * that succeeded — a slow identity provider keeps the lease, and renewing it is what it should do.
 */
export function heartbeatsPerHold(result: Pick<RunResult, 'settings' | 'timeline'>): number {
  const heartbeatMs = Math.max(1, Math.floor(result.settings.leaseMs / 3));
  const longestIdpMs = result.timeline.idpIntervals.reduce(
    (longest, call) => (call.ok === true ? Math.max(longest, call.to - call.from) : longest),
    0,
  );
  return 1 + Math.floor(longestIdpMs / heartbeatMs);
}

export function checkTargets(result: Omit<RunResult, 'targets'>): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const add = (name: string, ok: boolean, actual: number | null, limit: string): void => {
    checks.push({ name, ok, actual, limit });
  };
  const generations = result.generations;
  // Replication paused holds back only the replicas: the fleet still refreshes as in a healthy run.
  const healthy = result.fault.kind === 'none' || result.fault.kind === 'slow-idp' || result.fault.kind === 'replication-paused';
  if (result.strategy !== 'locked') {
    add(
      'herd: IdP calls per refresh round',
      result.rounds > 0 && result.idp.calls > result.rounds,
      ratio(result.idp.calls, result.rounds),
      '> 1 shows the herd',
    );
    return checks;
  }
  if (result.grant !== undefined) {
    const revoked = result.grant.revokedAtMs;
    const rotation = result.fault.rotation;
    if (rotation === undefined) {
      add('rotating grant revoked (s into the run; null: never)', revoked === null, revoked === null ? null : round2(revoked / 1000), 'never');
    } else {
      // A kill between the provider's answer and the state write loses the refresh token with the
      // process: no client can close that window against a provider without a reuse grace period.
      // What the check holds the library to is that nothing else ever costs the grant.
      add(
        'rotating grant revoked other than by a kill between the answer and the state write',
        revoked === null || rotation.stateLost > 0,
        revoked === null || rotation.stateLost > 0 ? 0 : 1,
        '= 0',
      );
    }
  }
  add('tokens served expired', result.validity.servedExpired === 0, result.validity.servedExpired, '= 0');
  add('older token served after a newer one (rollback)', result.validity.olderAfterNewer === 0, result.validity.olderAfterNewer, '= 0');
  if (healthy || result.fault.kind === 'drop-response' || result.fault.kind === 'sm-throttle') {
    add('versions created per generation', result.versions.created === generations, ratio(result.versions.created, generations), '= 1');
  }
  if (healthy) {
    const calls = result.idp.calls - result.idp.cutOffAtEnd;
    add('IdP calls per generation', calls === generations, ratio(calls, generations), '= 1');
    const steady = result.steadyState;
    // Acquire and commit-with-release, and the holder's heartbeats; under a rotating provider the
    // holder also writes the minting marker before presenting the refresh token (DESIGN §9).
    const writesPerGeneration = 2 + heartbeatsPerHold(result) + (result.grant === undefined ? 0 : 1);
    add(
      'DynamoDB writes per generation (after cold start)',
      steady.dynamodbWrites <= writesPerGeneration * steady.generations,
      ratio(steady.dynamodbWrites, steady.generations),
      `≤ ${writesPerGeneration}`,
    );
    add('failed conditional writes (after cold start)', steady.failedConditionalWrites === 0, steady.failedConditionalWrites, '= 0');
    add(
      'GetSecretValue per process per generation (after cold start)',
      steady.getSecretValueMaxPerProcess <= 2 * steady.generations,
      ratio(steady.getSecretValueMaxPerProcess, steady.generations),
      '≤ 2',
    );
    // Through the Agent API every read is a loopback HTTP request, and 400 of them at once on a
    // small machine queue for its CPUs: the sub-millisecond target is the in-process one.
    if ((result.clients ?? 'node') === 'node') {
      add('p99 getToken latency with a valid token (ms)', result.latencyWhileValidMs.p99 < 1, result.latencyWhileValidMs.p99, '< 1');
    }
  }
  const rotationStrikes = result.fault.rotation?.strikes;
  if (rotationStrikes !== undefined && rotationStrikes.length > 0 && rotationStrikes.every((strike) => strike.firstContentionMs === undefined)) {
    // Every kill under a rotating provider came after its holder's commit, or while nobody needed the
    // lease: there was no takeover to bound (the strike summary says where each kill landed).
    add('takeover after a kill (no strike left a held lease anyone waited on)', true, null, '≤ lease + poll when one is needed');
  } else if (result.fault.kind === 'kill-holder' || result.fault.kind === 'pause-holder') {
    // The fleet is delayed from the moment a process needs the lease and finds it held by the
    // stopped holder (before its own refresh point comes, nobody waits) until another process has
    // taken the lease over and starts refreshing; the refresh itself then takes what it always takes.
    const takeover = result.fault.takeoverAfterContentionMs ?? null;
    const bound = result.fault.recoveryBoundMs ?? 0;
    add(
      `takeover after a process found the stopped holder's lease (ms; new token ${result.fault.recoveryMs ?? '–'} ms after the fault)`,
      takeover !== null && takeover <= bound,
      takeover,
      `≤ ${bound} (lease + poll)`,
    );
  }
  return checks;
}

/**
 * IdP calls the end of the run cut off: workers close their strategy at the deadline, which aborts a
 * refresh still in flight, so its call made no generation and is left out of the per-generation
 * target. A plain provider sees the caller go (`abandoned`) or still holds the call. A rotating one
 * answers and consumes the refresh token whether or not the caller is still there (as real ones
 * do), so it records `minted`: for the locked strategy, such a late call counts as cut off when its
 * process reported no `refreshed` after it.
 */
export function countCutOffAtEnd(run: {
  mints: readonly Pick<MintRecord, 'worker' | 'receivedAt' | 'outcome'>[];
  activities: readonly { worker: number; kind: string; type?: string; at: number }[];
  /** Calls received from here on are near the end (epoch ms). */
  from: number;
  rotatingLocked: boolean;
}): number {
  const refreshedAfter = (worker: number, at: number): boolean =>
    run.activities.some((activity) => activity.worker === worker && activity.kind === 'event' && activity.type === 'refreshed' && activity.at >= at);
  return run.mints.filter(
    (mint) =>
      mint.receivedAt >= run.from &&
      (mint.outcome === 'abandoned' ||
        mint.outcome === 'held' ||
        (run.rotatingLocked && mint.outcome === 'minted' && !refreshedAfter(mint.worker, mint.receivedAt))),
  ).length;
}

function ratio(count: number, per: number): number | null {
  return per > 0 ? Math.round((count / per) * 100) / 100 : null;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
