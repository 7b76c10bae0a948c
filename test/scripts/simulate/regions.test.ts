import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/index.js';
import { resolveSimulationOptions, simulateFleet, type FleetSimulationOptions } from '../../../scripts/simulate/fleet.js';
import { isGatingCheck } from '../../../scripts/simulate/region-checks.js';
import { parseLagRange, parseRttTable, rttBetween } from '../../../scripts/simulate/region-latency.js';

const HOUR = 3_600_000;
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
/** The multi-Region day, small: 200 environments for four simulated hours (about a second of real time). */
const small: Partial<FleetSimulationOptions> = { environments: 200, durationMs: 4 * HOUR, regions: REGIONS, seed: 3 };

const failedGating = (result: Awaited<ReturnType<typeof simulateFleet>>) =>
  result.targets.filter((check) => !check.ok && isGatingCheck(check.name)).map((check) => check.name);

describe('Multi-Region simulation (scripts/simulate, --regions)', () => {
  it('passes its checks: one IdP call and one version per generation worldwide, nothing expired, no rollback in any Region', async () => {
    const result = await simulateFleet(resolveSimulationOptions(small));
    const regions = result.regions;
    expect(regions?.names).toEqual(REGIONS);
    expect(failedGating(result)).toEqual([]);
    expect(result.generations).toBeGreaterThanOrEqual(4);
    expect(result.idp.calls).toBe(result.generations);
    expect(result.versions.created).toBe(result.generations);
    expect(result.validity.servedExpired).toBe(0);
    expect(result.validity.olderAfterNewer).toBe(0);
    expect(result.errors).toEqual({});
    expect(regions?.replicasInSyncAtEnd).toBe(true);
    for (const region of regions?.perRegion ?? []) {
      expect(region.environments).toBeGreaterThanOrEqual(66);
      expect(region.calls).toBeGreaterThan(1_000);
      expect(region.servedExpired).toBe(0);
      expect(region.olderAfterNewer).toBe(0);
      // Readers read their own Region: most GetSecretValue calls are answered there.
      expect(region.getSecretValue.servedHere).toBeGreaterThan(region.getSecretValue.toPrimary);
    }
    // Outside the primary, a replica read just after a commit finds the replica behind and reads the primary.
    const replicaBehind = (regions?.perRegion ?? []).filter((region) => region.region !== 'us-east-1').map((region) => region.replicaBehind);
    expect(Math.min(...replicaBehind)).toBeGreaterThan(0);
    expect(regions?.perRegion.find((region) => region.region === 'us-east-1')?.getSecretValue.toPrimary).toBe(0);
    expect(JSON.stringify(result)).not.toContain('lt1.');
  });

  it('is deterministic: the same seed gives the same counts in every Region', async () => {
    const options = resolveSimulationOptions({ ...small, environments: 60, durationMs: 2 * HOUR });
    const [a, b] = [await simulateFleet(options), await simulateFleet(options)];
    const counts = (result: typeof a) => [
      result.idp.calls,
      result.generations,
      result.secretsManager.calls,
      result.dynamodb,
      result.regions?.perRegion,
    ];
    expect(counts(a)).toEqual(counts(b));
  });

  it('catches a rollback: with the test-only seam serving an environment an older token, the check fails', async () => {
    // Environment 1 is in eu-west-1 (environments are spread i % 3); after two hours, when its token changes, it is served the previous one again.
    // Invocations every 20 s (not 5 min), so that the environment sees its token change while the old one is still valid.
    const seam = { serveOlderToken: { environment: 1, atMs: 2 * HOUR } };
    const result = await simulateFleet(resolveSimulationOptions({ ...small, environments: 60, thinkMs: 20_000, testSeams: seam }));
    expect(result.validity.olderAfterNewer).toBe(1);
    expect(result.regions?.perRegion.find((region) => region.region === 'eu-west-1')?.olderAfterNewer).toBe(1);
    expect(result.regions?.perRegion.find((region) => region.region === 'us-east-1')?.olderAfterNewer).toBe(0);
    expect(failedGating(result)).toEqual([
      'older token served after a newer one (rollback)',
      'eu-west-1: older token served after a newer one (rollback)',
    ]);
  });

  it('keeps every check with a replication lag beyond what the window leaves (2 min): readers there read the primary', async () => {
    const result = await simulateFleet(resolveSimulationOptions({ ...small, replicationLagMs: { min: 120_000, max: 150_000 } }));
    expect(failedGating(result)).toEqual([]);
    expect(result.validity.servedExpired).toBe(0);
    expect(result.events['replication-lag-warning']).toBeGreaterThan(0);
    for (const region of result.regions?.perRegion ?? []) {
      if (region.region !== 'us-east-1') expect(region.getSecretValue.toPrimary).toBeGreaterThan(10);
    }
  });

  it('loses the primary Region: readers keep their valid token, then fail typed, and recover when it returns', async () => {
    const regionLoss = { startMs: HOUR, durationMs: 1.5 * HOUR, timeoutMs: 2_000 };
    const result = await simulateFleet(resolveSimulationOptions({ ...small, regionLoss }));
    expect(failedGating(result)).toEqual([]);
    const loss = result.regions?.regionLoss;
    expect(loss?.idpCallsDuringLoss).toBe(0);
    expect(loss?.firstMintAfterReturnMs).not.toBeNull();
    expect(Object.keys(result.errors)).toEqual(['TokenUnavailableError']);
    expect(result.validity.servedExpired).toBe(0);
    expect(result.validity.olderAfterNewer).toBe(0);
    for (const region of loss?.perRegion ?? []) {
      if (region.region === 'us-east-1') continue; // its environments get no invocations while it is lost
      expect(region.servedDuringLoss).toBeGreaterThan(0);
      // The token held when the Region was lost lasted: the first error comes only once it drops below its minimum validity.
      expect(region.firstErrorAfterLossMs).toBeGreaterThan(10 * 60_000);
      expect(Object.keys(region.errorsDuringLoss)).toEqual(['TokenUnavailableError']);
      expect(region.errorsAfterReturn).toEqual({});
      // The first invocation after the return gets the new token (invocations there arrive every few seconds).
      expect(region.newTokenServedAfterReturnMs).toBeLessThan(60_000);
      expect(region.lastErrorAfterReturnMs).toBeLessThanOrEqual(0);
    }
  });

  it('refuses options that cannot run, naming them', () => {
    expect(() => resolveSimulationOptions({ regions: ['us-east-1', 'us-east-1'] })).toThrow(ConfigurationError);
    expect(() => resolveSimulationOptions({ regions: REGIONS, primaryRegion: 'eu-central-1' })).toThrow(/primaryRegion/);
    expect(() => resolveSimulationOptions({ regionLoss: { startMs: 0, durationMs: 1_000, timeoutMs: 0 } })).toThrow(/regionLoss/);
    expect(() => resolveSimulationOptions({ regions: REGIONS, replicationLagMs: { min: 5, max: 1 } })).toThrow(/replicationLagMs/);
  });

  it('parses round trips and lags, with defaults for the usual pairs', () => {
    expect(rttBetween('us-east-1', 'eu-west-1')).toBe(75);
    expect(rttBetween('ap-southeast-2', 'us-east-1')).toBe(200);
    expect(rttBetween('us-east-1', 'us-east-1')).toBe(0);
    expect(rttBetween('eu-west-1', 'us-east-1', parseRttTable('us-east-1:eu-west-1=80'))).toBe(80);
    expect(parseLagRange('2000')).toEqual({ min: 2000, max: 2000 });
    expect(parseLagRange('1000-5000')).toEqual({ min: 1000, max: 5000 });
    expect(() => parseLagRange('5-1')).toThrow(/below/);
    expect(() => parseRttTable('us-east-1=80')).toThrow(/region:region=ms/);
  });
});
