import type { FleetAggregate } from './fleet-aggregate.js';
import type { ReplicaLagObserved } from './replica-probe.js';
import type { LoadTestRegion, LoadTestRegions, RunResult, TargetCheck } from './run-result.js';

/** The Region of worker `index`: processes are dealt out over the Regions in turn, the primary first. */
export function regionOfWorker(regions: readonly string[], index: number): string {
  return regions[index % regions.length] as string;
}

/**
 * Sums the workers' reports per Region, with the replica lag the probe observed.
 *
 * @example
 * ```ts
 * const perRegion = tallyRegions(['us-east-1', 'eu-west-1'], aggregate, probe.observed());
 * ```
 */
export function tallyRegions(names: readonly string[], aggregate: FleetAggregate, lags: readonly ReplicaLagObserved[]): LoadTestRegion[] {
  const reports = aggregate.reports();
  const regionOfIndex = new Map(reports.map((report) => [report.index, report.region]));
  return names.map((region) => {
    const here = reports.filter((report) => report.region === region);
    const errors: Record<string, number> = {};
    let minRemainingMs: number | null = null;
    let getSecretValue = 0;
    let toPrimary = 0;
    for (const report of here) {
      for (const [name, count] of Object.entries(report.errors)) errors[name] = (errors[name] ?? 0) + count;
      if (report.minRemainingMs !== null && (minRemainingMs === null || report.minRemainingMs < minRemainingMs)) {
        minRemainingMs = report.minRemainingMs;
      }
      getSecretValue += report.sdk.attempts.GetSecretValue ?? 0;
      toPrimary += report.sdkToPrimary?.attempts.GetSecretValue ?? 0;
    }
    const total = (key: 'calls' | 'servedExpired' | 'olderAfterNewer'): number => here.reduce((sum, report) => sum + report[key], 0);
    return {
      region,
      processes: here.length,
      calls: total('calls'),
      servedExpired: total('servedExpired'),
      olderAfterNewer: total('olderAfterNewer'),
      minRemainingMs,
      errors,
      getSecretValue: { servedHere: getSecretValue - toPrimary, toPrimary },
      replicaBehind: aggregate.activities.filter(
        (activity) => activity.kind === 'event' && activity.type === 'replica-behind' && regionOfIndex.get(activity.worker) === region,
      ).length,
      replicaLag: lags.find((lag) => lag.region === region) ?? null,
    };
  });
}

/**
 * The per-Region checks, after the fleet's: in every Region no token served expired and no older
 * token served after a newer one by the same process, and each replica caught up by the end (the
 * emulator's replication, printed but not gating).
 */
export function checkRegions(regions: LoadTestRegions): TargetCheck[] {
  return regions.perRegion.flatMap((region) => [
    ...(region.replicaLag === null
      ? []
      : [
          {
            name: `${region.region}: replica shows the primary's AWSCURRENT at the end`,
            ok: region.replicaLag.inSyncAtEnd,
            actual: region.replicaLag.inSyncAtEnd ? 1 : 0,
            limit: '= 1',
          },
        ]),
    { name: `${region.region}: tokens served expired`, ok: region.servedExpired === 0, actual: region.servedExpired, limit: '= 0' },
    {
      name: `${region.region}: older token served after a newer one (rollback)`,
      ok: region.olderAfterNewer === 0,
      actual: region.olderAfterNewer,
      limit: '= 0',
    },
  ]);
}

/**
 * Which checks `--check` fails a multi-Region run of the locked strategy on: one IdP call and one
 * version per generation, no expired token and no rollback, for the fleet and per Region. The cost
 * targets (DynamoDB writes, GetSecretValue per process, p99) are printed, not gating: across Regions
 * a lagging replica costs reads of the primary by design.
 */
export function isGatingRegionCheck(name: string): boolean {
  return /^(IdP calls per generation|versions created per generation|tokens served expired|older token served|[a-z0-9-]+: (tokens served expired|older token served))/.test(
    name,
  );
}

/**
 * The runs `--check` fails on: a locked run that missed a target, or, across Regions, a gating one.
 *
 * @example
 * ```ts
 * if (flags.check && failingRuns(results).length > 0) process.exitCode = 1;
 * ```
 */
export function failingRuns(results: readonly RunResult[]): RunResult[] {
  return results.filter(
    (result) =>
      result.strategy === 'locked' &&
      result.targets.some((check) => !check.ok && (result.multiRegion === undefined || isGatingRegionCheck(check.name))),
  );
}
