import { describe, expect, it } from 'vitest';
import { checkTargets } from '../../../scripts/loadtest/analysis.js';
import { runLoadTest } from '../../../scripts/loadtest/harness.js';
import { resolveLoadTestOptions } from '../../../scripts/loadtest/options.js';
import { checkRegions, failingRuns } from '../../../scripts/loadtest/regions.js';
import type { RunResult } from '../../../scripts/loadtest/run-result.js';

// The load test across Regions in CI form: three real worker processes, one per Region, on the
// embedded emulator with an injected replication lag. Only counts are asserted, never times.
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const options = resolveLoadTestOptions({
  regions: REGIONS,
  replicationLagMs: 500,
  strategies: ['locked'],
  processes: 3,
  concurrency: 5,
  lifetimeMs: 5_000,
  durationMs: 8_000,
  leaseMs: 1_500,
  thinkMs: 10,
  progress: false,
});

/** The healthy run, made once and read by two tests. */
let healthyRun: Promise<RunResult> | undefined;
const healthy = (): Promise<RunResult> => {
  healthyRun ??= runLoadTest('locked', 'none', options);
  return healthyRun;
};

function perRegion(result: RunResult) {
  const regions = result.multiRegion;
  if (regions === undefined) throw new Error('The run has no per-Region report.');
  return regions.perRegion;
}

/** What every multi-Region run of the locked strategy must show, whatever the replicas did. */
function expectOneRefreshPerGenerationAndNoStaleToken(result: RunResult): void {
  expect(result.generations).toBeGreaterThanOrEqual(2);
  expect(result.idp.calls - result.idp.cutOffAtEnd).toBe(result.versions.created);
  expect(result.versions.created - result.generations).toBeGreaterThanOrEqual(0);
  expect(result.versions.created - result.generations).toBeLessThanOrEqual(1);
  expect(result.errors).toEqual({});
  for (const region of perRegion(result)) {
    expect(region.processes).toBe(1);
    expect(region.calls).toBeGreaterThan(0);
    expect(region.servedExpired).toBe(0);
    expect(region.olderAfterNewer).toBe(0);
  }
  // Every GetSecretValue the emulator answered is in one Region's count: its replica's, or the primary's.
  const counted = perRegion(result).reduce((sum, region) => sum + region.getSecretValue.servedHere + region.getSecretValue.toPrimary, 0);
  expect(counted).toBe(result.secretsManager.calls.GetSecretValue);
  expect(perRegion(result).reduce((sum, region) => sum + region.calls, 0)).toBe(result.latencyMs.calls);
  expect(failingRuns([result])).toEqual([]);
}

describe('Function: runLoadTest across Regions', () => {
  it('spreads the processes over the Regions, reads each replica, writes the primary, and passes the per-Region checks', async () => {
    const result = await healthy();
    expectOneRefreshPerGenerationAndNoStaleToken(result);
    const [primary, ...replicas] = perRegion(result);
    expect(result.multiRegion?.primary).toBe('us-east-1');
    expect(primary?.region).toBe('us-east-1');
    expect(primary?.getSecretValue.toPrimary).toBe(0);
    expect(primary?.replicaLag).toBeNull();
    for (const replica of replicas) {
      // The run starts with the secret empty everywhere: a replica's first read finds nothing and goes to the primary.
      expect(replica.replicaBehind).toBeGreaterThanOrEqual(1);
      expect(replica.getSecretValue.toPrimary).toBeGreaterThanOrEqual(1);
      expect(replica.getSecretValue.servedHere).toBeGreaterThanOrEqual(1);
      expect(replica.replicaLag?.inSyncAtEnd).toBe(true);
      expect(replica.replicaLag?.versionsMissing).toBe(0);
    }
    expect(result.fault.label).toBe('3 Regions, replication lag 500 ms');
    // The replica probe's reads are taken off the fleet's counts.
    expect(result.secretsManager.calls.DescribeSecret).toBeUndefined();
  });

  it('keeps serving valid tokens, never an older one, while replication is paused past a refresh', async () => {
    const result = await runLoadTest('locked', 'replication-paused', { ...options, durationMs: 14_000 });
    expectOneRefreshPerGenerationAndNoStaleToken(result);
    expect(result.fault.atMs).toBeDefined();
    expect(result.fault.untilMs).toBeDefined();
    for (const replica of perRegion(result).slice(1)) {
      expect(replica.replicaBehind).toBeGreaterThanOrEqual(1);
      expect(replica.getSecretValue.toPrimary).toBeGreaterThanOrEqual(1);
      // Resumed before the end, the queued copies arrived.
      expect(replica.replicaLag?.inSyncAtEnd).toBe(true);
    }
  });

  it('fails --check on a rollback or an expired token in one Region, or on more than one IdP call per generation', async () => {
    // A seam on a real run's result: the locked strategy gave none of these to fail on.
    const run = await healthy();
    expect(failingRuns([run])).toEqual([]);
    const regions = run.multiRegion;
    if (regions === undefined) throw new Error('The run has no per-Region report.');
    const withRollback = {
      ...regions,
      perRegion: regions.perRegion.map((region) => (region.region === 'eu-west-1' ? { ...region, olderAfterNewer: 1, servedExpired: 2 } : region)),
    };
    const rolledBack: RunResult = { ...run, multiRegion: withRollback, targets: [...checkTargets(run), ...checkRegions(withRollback)] };
    // Only what the seam broke: a cost target (p99, reads per process) may miss on a busy machine, and does not gate.
    const failedBefore = new Set(run.targets.filter((check) => !check.ok).map((check) => check.name));
    expect(rolledBack.targets.filter((check) => !check.ok && !failedBefore.has(check.name)).map((check) => check.name)).toEqual([
      'eu-west-1: tokens served expired',
      'eu-west-1: older token served after a newer one (rollback)',
    ]);
    expect(failingRuns([rolledBack])).toEqual([rolledBack]);

    const herded = { ...run, idp: { ...run.idp, calls: run.idp.calls + run.generations } };
    const twoCalls: RunResult = { ...herded, targets: [...checkTargets(herded), ...checkRegions(regions)] };
    expect(twoCalls.targets.find((check) => check.name === 'IdP calls per generation')?.ok).toBe(false);
    expect(failingRuns([twoCalls])).toEqual([twoCalls]);
  });
});
