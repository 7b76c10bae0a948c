import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/index.js';
import { resolveSimulationOptions, simulateFleet, type FleetSimulationOptions } from '../../../scripts/simulate/fleet.js';

const small: Partial<FleetSimulationOptions> = {
  environments: 20,
  callersPerEnvironment: 2,
  lifetimeMs: 10_000,
  durationMs: 60_000,
  thinkMs: 200,
  thinkDistribution: 'exponential',
  rampUpMs: 0,
  secretsManagerLatencyMs: 4,
  dynamodbLatencyMs: 2,
  idpLatencyMs: 20,
  binMs: 5_000,
};

describe('Function: simulateFleet', () => {
  it('runs the real refresher for a fleet under virtual time: one IdP call and one version per generation, nothing expired', async () => {
    const result = await simulateFleet(resolveSimulationOptions({ ...small, strategy: 'locked' }));
    expect(result.target).toBe('simulation');
    expect(result.measuredMs).toBe(60_000);
    expect(result.generations).toBeGreaterThanOrEqual(6);
    expect(result.idp.calls).toBe(result.generations);
    expect(result.versions.created).toBe(result.generations);
    expect(result.versions.alive).toBe(result.generations);
    expect(result.secretsManager.calls.PutSecretValue).toBe(result.generations);
    expect(result.secretsManager.calls.UpdateSecretVersionStage).toBe(result.generations);
    expect(result.validity.servedExpired).toBe(0);
    expect(result.validity.olderAfterNewer).toBe(0);
    expect(result.errors).toEqual({});
    expect(result.latencyMs.calls).toBeGreaterThan(5_000);
    expect(JSON.stringify(result)).not.toContain('lt1.');
  });

  it('is reproducible: the same seed gives the same counts', async () => {
    const options = resolveSimulationOptions({ ...small, environments: 10, durationMs: 30_000, strategy: 'locked', seed: 7 });
    const [a, b] = [await simulateFleet(options), await simulateFleet(options)];
    const counts = (r: typeof a) => [
      r.idp.calls,
      r.secretsManager.calls,
      r.dynamodb,
      r.latencyMs.calls,
      r.validity.minRemainingMs,
      r.timeline.idpCalls,
    ];
    expect(counts(b)).toEqual(counts(a));
  });

  it('shows the naive pattern herding in the simulation too', async () => {
    const result = await simulateFleet(resolveSimulationOptions({ ...small, strategy: 'naive', environments: 10, durationMs: 30_000 }));
    expect(result.rounds).toBeGreaterThanOrEqual(2);
    expect(result.idp.calls).toBeGreaterThan(2 * result.rounds);
    expect(result.versions.created).toBeGreaterThan(result.rounds);
  });

  it('stops a runaway herd at the IdP-call budget and reports the time simulated', async () => {
    const result = await simulateFleet(resolveSimulationOptions({ ...small, strategy: 'naive', maxIdpCalls: 30 }));
    expect(result.idp.calls).toBeGreaterThanOrEqual(30);
    expect(result.measuredMs).toBeLessThan(60_000);
    expect(result.fault.description).toContain('budget of 30 IdP calls');
  });

  it('refuses options that cannot run, naming them', () => {
    expect(() => resolveSimulationOptions({ environments: 0 })).toThrow(ConfigurationError);
    expect(() => resolveSimulationOptions({ thinkMs: -1 })).toThrow(/thinkMs/);
    expect(() => resolveSimulationOptions({ lifetimeMs: 10_000, refreshWindowMs: 6_000 })).toThrow(/refreshWindowMs/);
  });
});
