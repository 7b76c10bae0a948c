import { describe, expect, it } from 'vitest';
import { FleetAggregate } from '../../../scripts/loadtest/fleet-aggregate.js';
import { LatencyHistogram } from '../../../scripts/loadtest/histogram.js';
import type { WorkerReport } from '../../../scripts/loadtest/protocol.js';

function report(index: number, overrides: Partial<WorkerReport> = {}): WorkerReport {
  const latency = new LatencyHistogram();
  latency.record(0.02);
  return {
    type: 'progress',
    index,
    pid: 1_000 + index,
    calls: 10,
    errors: {},
    sources: { memory: 9, secret: 1, refreshed: 0 },
    servedExpired: 0,
    servedBelowMinValidity: 0,
    minRemainingMs: 1_500,
    olderAfterNewer: 0,
    latency: latency.toJSON(),
    latencyWhileValid: latency.toJSON(),
    sdk: { attempts: { GetSecretValue: 3, UpdateItem: 4 }, errors: {}, throttled: 0, conditionalFailures: 1 },
    sdkAtFirstToken: { attempts: { GetSecretValue: 2, UpdateItem: 2 }, errors: {}, throttled: 0, conditionalFailures: 1 },
    bins: [],
    activities: [],
    firstServed: [],
    versions: [],
    ...overrides,
  };
}

describe('Class: FleetAggregate', () => {
  it('keeps the latest cumulative counters per worker and sums them over the fleet', () => {
    const fleet = new FleetAggregate();
    fleet.ingest(report(0, { calls: 5 }));
    fleet.ingest(report(0, { calls: 10, minRemainingMs: 900 }));
    fleet.ingest(report(1));
    expect(fleet.sum('calls')).toBe(20);
    expect(fleet.minRemainingMs()).toBe(900);
    expect(fleet.sdk().attempts).toEqual({ GetSecretValue: 6, UpdateItem: 8 });
    expect(fleet.latency('latency').count).toBe(2);
  });

  it("leaves out each worker's cold start in steady-state counts", () => {
    const fleet = new FleetAggregate();
    fleet.ingest(report(0));
    fleet.ingest(report(1, { sdkAtFirstToken: null }));
    expect(fleet.sdk(true)).toEqual({ attempts: { GetSecretValue: 4, UpdateItem: 6 }, errors: {}, throttled: 0, conditionalFailures: 1 });
    expect(fleet.maxPerWorker('GetSecretValue', true)).toBe(3);
    expect(fleet.maxPerWorker('GetSecretValue')).toBe(3);
  });

  it('unions first-served times and versions, keeping the earliest, and pairs IdP call starts with their ends', () => {
    const fleet = new FleetAggregate();
    fleet.ingest(
      report(0, {
        firstServed: [
          [1, 100],
          [2, 500],
        ],
        versions: [{ versionId: 'v1', at: 90 }],
        activities: [{ kind: 'idp-call-started', at: 80 }],
      }),
    );
    fleet.ingest(
      report(1, { firstServed: [[2, 450]], versions: [{ versionId: 'v1', at: 95 }], activities: [{ kind: 'idp-call-started', at: 400 }] }),
    );
    fleet.ingest(report(0, { activities: [{ kind: 'idp-call-ended', at: 88, ok: true }] }));
    expect(fleet.servedGenerations()).toEqual([
      [1, 100],
      [2, 450],
    ]);
    expect(fleet.versions()).toEqual([['v1', 90]]);
    expect(fleet.firstServedNewerThan(1, 0)).toBe(450);
    expect(fleet.idpIntervals).toEqual([{ worker: 0, from: 80, to: 88, ok: true }]);
    expect(fleet.openIntervals(999)).toEqual([{ worker: 1, from: 400, to: 999, ok: null }]);
    expect(fleet.eventCounts()).toEqual({ 'idp-call-started': 2, 'idp-call-ended': 1 });
  });
});
