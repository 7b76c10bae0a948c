import type { RunResult, TargetCheck } from '../loadtest/run-result.js';

/** One Region of a multi-Region simulation: what its environments were served and what it cost. */
export interface RegionReport {
  region: string;
  environments: number;
  calls: number;
  sources: Record<string, number>;
  servedExpired: number;
  servedBelowMinValidity: number;
  /** Tokens served by a process older than one it had served before (rollbacks). */
  olderAfterNewer: number;
  minRemainingMs: number | null;
  errors: Record<string, number>;
  latencyP99Ms: number;
  getSecretValue: {
    /** GetSecretValue calls this Region's Secrets Manager answered (its replica, or the primary in the primary Region). */
    servedHere: number;
    /** Calls this Region's processes sent to the primary in another Region (replica behind, or the lease holder's re-read). */
    toPrimary: number;
  };
  /** The most GetSecretValue calls one process here made after its first token (steady state). */
  getSecretValueMaxPerProcessSteady: number;
  /** `replica-behind` events: reads that found the replica behind and went to the primary. */
  replicaBehind: number;
  events: Record<string, number>;
}

/** What happened in one Region while the primary Region was lost, and after it returned. */
export interface RegionLossRegionReport {
  region: string;
  servedDuringLoss: number;
  errorsDuringLoss: Record<string, number>;
  errorsAfterReturn: Record<string, number>;
  /** From the loss to this Region's first failed call (null: none failed). */
  firstErrorAfterLossMs: number | null;
  /** From the loss to the last call served (with a valid token) before the first failure, or in the whole loss. */
  lastServedDuringLossMs: number | null;
  /** From the return to this Region's last failed call (null: none failed after the loss began). */
  lastErrorAfterReturnMs: number | null;
  /** From the return to the first token minted after it served here (null: never). */
  newTokenServedAfterReturnMs: number | null;
}

/** The Region-loss scenario's outcome. */
export interface RegionLossReport {
  region: string;
  fromMs: number;
  durationMs: number;
  timeoutMs: number;
  /** From the return to the first IdP call that minted a token (null: none). */
  firstMintAfterReturnMs: number | null;
  idpCallsDuringLoss: number;
  perRegion: RegionLossRegionReport[];
}

/** A multi-Region simulation's own report. */
export interface RegionsReport {
  primary: string;
  names: string[];
  /** The round trips used, keyed `region|primary`. */
  rttMs: Record<string, number>;
  replicationLagMs: { min: number; max: number };
  /** Every replica shows the primary's AWSCURRENT version once the copies on their way have arrived. */
  replicasInSyncAtEnd: boolean;
  perRegion: RegionReport[];
  regionLoss?: RegionLossReport;
}

/**
 * The checks a multi-Region run must pass (`npm run simulate -- --regions …` exits 1 otherwise): one
 * IdP call and one version per generation, no expired token and no rollback for the fleet and per
 * Region, no caller error while every Region is up, replicas in sync at the end, and the
 * Region-loss checks. The other targets (DynamoDB writes per generation, p99) are printed, not gating.
 */
export function isGatingCheck(name: string): boolean {
  return /^(IdP calls per generation|versions created per generation|tokens served expired|older token served|.*: tokens served expired|.*: older token served|.*: caller errors|replicas show|Region loss)/.test(
    name,
  );
}

/** Checks that hold only with every Region up: dropped from a Region-loss run, where refreshes fail by design. */
const HEALTHY_ONLY = [
  'IdP calls per generation',
  'DynamoDB writes per generation (after cold start)',
  'failed conditional writes (after cold start)',
  'GetSecretValue per process per generation (after cold start)',
  'p99 getToken latency with a valid token (ms)',
];

/**
 * The multi-Region checks, after the single-Region ones (`base`): per Region, no expired token and
 * no rollback, and in a healthy run at most 2 GetSecretValue per process per generation (its
 * replica, and the primary while the replica is behind) and no caller error. With a Region loss:
 * the only error is the typed `TokenUnavailableError`, none before the last valid token ran out, a
 * new token is minted after the return and reaches every Region, and errors stop within
 * `recoveryBoundMs` of the return.
 *
 * @example
 * ```ts
 * const failed = checkRegions(result, checkTargets(result)).filter((check) => !check.ok);
 * ```
 */
export function checkRegions(result: Omit<RunResult, 'targets'> & { regions: RegionsReport }, base: readonly TargetCheck[]): TargetCheck[] {
  const { regions } = result;
  const loss = regions.regionLoss;
  const checks = base.filter((check) => loss === undefined || !HEALTHY_ONLY.includes(check.name));
  const add = (name: string, ok: boolean, actual: number | null, limit: string): void => {
    checks.push({ name, ok, actual, limit });
  };
  const steadyGenerations = result.steadyState.generations;
  for (const region of regions.perRegion) {
    add(`${region.region}: tokens served expired`, region.servedExpired === 0, region.servedExpired, '= 0');
    add(`${region.region}: older token served after a newer one (rollback)`, region.olderAfterNewer === 0, region.olderAfterNewer, '= 0');
    if (loss === undefined) {
      const errors = sum(region.errors);
      add(`${region.region}: caller errors`, errors === 0, errors, '= 0');
      add(
        `${region.region}: GetSecretValue per process per generation (after cold start)`,
        region.getSecretValueMaxPerProcessSteady <= 2 * steadyGenerations,
        ratio(region.getSecretValueMaxPerProcessSteady, steadyGenerations),
        '≤ 2',
      );
    }
  }
  add("replicas show the primary's AWSCURRENT at the end", regions.replicasInSyncAtEnd, regions.replicasInSyncAtEnd ? 1 : 0, '= 1');
  if (loss === undefined) return checks;

  const untyped = sum(result.errors) - (result.errors.TokenUnavailableError ?? 0);
  add('Region loss: caller errors other than TokenUnavailableError', untyped === 0, untyped, '= 0');
  add('Region loss: a token minted after the Region returned', loss.firstMintAfterReturnMs !== null, loss.firstMintAfterReturnMs, 'minted');
  for (const region of loss.perRegion) {
    if (region.region === regions.primary) continue;
    add(
      `Region loss, ${region.region}: the token minted after the return served (ms after the return)`,
      region.newTokenServedAfterReturnMs !== null,
      region.newTokenServedAfterReturnMs,
      'served',
    );
    const bound = recoveryBoundMs(result);
    add(
      `Region loss, ${region.region}: last error after the return (ms)`,
      region.lastErrorAfterReturnMs === null || region.lastErrorAfterReturnMs <= bound,
      region.lastErrorAfterReturnMs,
      `≤ ${bound} (timeout + lease + poll + IdP + round trips)`,
    );
  }
  return checks;
}

/**
 * How soon after the Region returns the fleet must have a token again: a call in flight when it
 * returned times out (`timeoutMs`), a holder may need a lease to pass (`leaseMs`) and a poll, the
 * IdP answers, and the writes cross to the primary — one second covers the round trips.
 */
export function recoveryBoundMs(result: Omit<RunResult, 'targets'> & { regions: RegionsReport }): number {
  const loss = result.regions.regionLoss;
  return (loss?.timeoutMs ?? 0) + result.settings.leaseMs + 250 + 1_000 + 1_000;
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((total, value) => total + value, 0);
}

function ratio(count: number, per: number): number | null {
  return per > 0 ? Math.round((count / per) * 100) / 100 : null;
}
