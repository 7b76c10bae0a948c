import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/index.js';
import { resolveLoadTestOptions } from '../../../scripts/loadtest/options.js';

describe('Function: resolveLoadTestOptions', () => {
  it("defaults to the issue's workload: 8 processes × 50 callers, 10 s tokens, 60 s runs, all strategies", () => {
    expect(resolveLoadTestOptions()).toMatchObject({
      strategies: ['naive', 'in-process', 'locked'],
      faults: ['none'],
      processes: 8,
      clients: 'node',
      concurrency: 50,
      lifetimeMs: 10_000,
      durationMs: 60_000,
      leaseMs: 2_000,
      minValidityMs: 1_000,
      refreshWindowMs: 5_000,
      slowIdpMs: 1_000,
      writeRatePerSecond: 50,
    });
  });

  it('runs in one Region unless told otherwise; across Regions the lag defaults to 1 s', () => {
    expect(resolveLoadTestOptions()).toMatchObject({ regions: [], replicationLagMs: 1_000 });
    expect(resolveLoadTestOptions({ regions: ['us-east-1', 'eu-west-1'], replicationLagMs: 250 })).toMatchObject({
      regions: ['us-east-1', 'eu-west-1'],
      replicationLagMs: 250,
    });
  });

  it('derives lease, window and minimum validity from the lifetime', () => {
    expect(resolveLoadTestOptions({ lifetimeMs: 3_600_000 })).toMatchObject({ leaseMs: 10_000, minValidityMs: 30_000, refreshWindowMs: 300_000 });
  });

  it.each([
    [{ processes: 0 }, /processes must be a whole number from 1 to 64/],
    [{ concurrency: 1.5 }, /concurrency/],
    [{ lifetimeMs: 10 }, /lifetimeMs must be at least 1000/],
    [{ faultRate: 2 }, /faultRate must be between 0 and 1/],
    [{ strategies: [] }, /name at least one strategy/],
    [{ strategies: ['smart' as never] }, /unknown strategy "smart"/],
    [{ faults: ['meteor' as never] }, /unknown fault "meteor"/],
    [{ clients: 'python' as never }, /clients: unknown client kind "python"; use node, extension, mixed/],
    [{ leaseMs: 4_500 }, /leaseMs \(4500\) must be shorter than the refresh window minus the minimum validity/],
    [{ refreshWindowMs: 9_000 }, /refreshWindowMs must be above minValidityMs/],
    [{ prices: { secretPerMonth: -1 } as never }, /prices.secretPerMonth/],
    [{ regions: ['us-east-1'] }, /name at least two Regions/],
    [{ regions: ['us-east-1', 'us-east-1'] }, /must not repeat a Region/],
    [{ regions: ['us-east-1', 'mars'] }, /"mars" is not an AWS Region name/],
    [{ regions: ['us-east-1', 'eu-west-1'], target: 'aws' as const }, /local emulator only/],
    [{ regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'], processes: 2 }, /at least one per Region/],
    [{ faults: ['replication-paused' as const] }, /replication-paused fault needs --regions/],
  ])('refuses %o with a message that says what to change', (given, message) => {
    expect(() => resolveLoadTestOptions(given)).toThrow(ConfigurationError);
    expect(() => resolveLoadTestOptions(given)).toThrow(message);
  });
});
