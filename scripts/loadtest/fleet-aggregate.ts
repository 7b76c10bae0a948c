import { LatencyHistogram } from './histogram.js';
import type { WorkerReport } from './protocol.js';
import type { SdkCallCounts } from '../../devkit/sdk-counters.js';
import type { StrategyActivity } from './strategies/types.js';

/** One time bin of the whole fleet. */
export interface FleetBin {
  start: number;
  calls: number;
  errors: number;
  latency: LatencyHistogram;
}

/** An interval during which one worker was calling the identity provider. */
export interface IdpInterval {
  worker: number;
  from: number;
  to: number;
  ok: boolean | null;
}

/**
 * Merges the reports of every worker: latest cumulative counters per worker, and the union of the
 * incremental parts (bins, activities, first-served times, versions). A killed worker keeps what it
 * had reported.
 */
export class FleetAggregate {
  readonly #latest = new Map<number, WorkerReport>();
  readonly #binsByStart = new Map<number, FleetBin>();
  readonly #firstServed = new Map<number, number>();
  readonly #versionTimes = new Map<string, number>();
  readonly #openIdpCalls = new Map<number, number>();
  readonly idpIntervals: IdpInterval[] = [];
  readonly activities: Array<StrategyActivity & { worker: number }> = [];

  ingest(report: WorkerReport): void {
    this.#latest.set(report.index, report);
    for (const bin of report.bins) {
      let fleetBin = this.#binsByStart.get(bin.start);
      if (fleetBin === undefined) {
        fleetBin = { start: bin.start, calls: 0, errors: 0, latency: new LatencyHistogram() };
        this.#binsByStart.set(bin.start, fleetBin);
      }
      fleetBin.calls += bin.calls;
      fleetBin.errors += bin.errors;
      fleetBin.latency.merge(bin.latency);
    }
    for (const [seq, at] of report.firstServed) {
      const known = this.#firstServed.get(seq);
      if (known === undefined || at < known) this.#firstServed.set(seq, at);
    }
    for (const { versionId, at } of report.versions) {
      const known = this.#versionTimes.get(versionId);
      if (known === undefined || at < known) this.#versionTimes.set(versionId, at);
    }
    for (const activity of report.activities) {
      this.activities.push({ ...activity, worker: report.index });
      if (activity.kind === 'idp-call-started') this.#openIdpCalls.set(report.index, activity.at);
      if (activity.kind === 'idp-call-ended') {
        const from = this.#openIdpCalls.get(report.index) ?? activity.at;
        this.#openIdpCalls.delete(report.index);
        this.idpIntervals.push({ worker: report.index, from, to: activity.at, ok: activity.ok });
      }
    }
  }

  /** IdP calls still open at `until` (a killed or still-running caller) as intervals ending there. */
  openIntervals(until: number): IdpInterval[] {
    return [...this.#openIdpCalls].map(([worker, from]) => ({ worker, from, to: until, ok: null }));
  }

  reports(): WorkerReport[] {
    return [...this.#latest.values()].sort((a, b) => a.index - b.index);
  }

  bins(): FleetBin[] {
    return [...this.#binsByStart.values()].sort((a, b) => a.start - b.start);
  }

  /** Token sequence numbers with when the fleet first served each. */
  servedGenerations(): Array<[number, number]> {
    return [...this.#firstServed].sort((a, b) => a[0] - b[0]);
  }

  /** When each new secret version was first reported by a PutSecretValue answer. */
  versions(): Array<[string, number]> {
    return [...this.#versionTimes].sort((a, b) => a[1] - b[1]);
  }

  /** The first time a token newer than `seq` was served at or after `after`. */
  firstServedNewerThan(seq: number, after: number): number | undefined {
    let first: number | undefined;
    for (const [served, at] of this.#firstServed) {
      if (served > seq && at >= after && (first === undefined || at < first)) first = at;
    }
    return first;
  }

  sum<K extends 'calls' | 'servedExpired' | 'servedBelowMinValidity' | 'olderAfterNewer'>(key: K): number {
    let total = 0;
    for (const report of this.#latest.values()) total += report[key];
    return total;
  }

  minRemainingMs(): number | null {
    let min: number | null = null;
    for (const report of this.#latest.values()) {
      if (report.minRemainingMs !== null && (min === null || report.minRemainingMs < min)) min = report.minRemainingMs;
    }
    return min;
  }

  latency(which: 'latency' | 'latencyWhileValid'): LatencyHistogram {
    const merged = new LatencyHistogram();
    for (const report of this.#latest.values()) merged.merge(report[which]);
    return merged;
  }

  errors(): Record<string, number> {
    const total: Record<string, number> = {};
    for (const report of this.#latest.values()) {
      for (const [name, count] of Object.entries(report.errors)) total[name] = (total[name] ?? 0) + count;
    }
    return total;
  }

  /**
   * SDK counts summed over the fleet; with `steadyState`, without what each worker spent before it
   * served its first token (the cold start, when every process finds no token at once).
   */
  sdk(steadyState = false): SdkCallCounts {
    const total: SdkCallCounts = { attempts: {}, errors: {}, throttled: 0, conditionalFailures: 0 };
    for (const report of this.#latest.values()) {
      const counts = steadyState ? subtract(report.sdk, report.sdkAtFirstToken) : report.sdk;
      for (const [op, count] of Object.entries(counts.attempts)) total.attempts[op] = (total.attempts[op] ?? 0) + count;
      for (const [key, count] of Object.entries(counts.errors)) total.errors[key] = (total.errors[key] ?? 0) + count;
      total.throttled += counts.throttled;
      total.conditionalFailures += counts.conditionalFailures;
    }
    return total;
  }

  /** The most attempts of `operation` made by any one worker (after its cold start with `steadyState`). */
  maxPerWorker(operation: string, steadyState = false): number {
    let max = 0;
    for (const report of this.#latest.values()) {
      const counts = steadyState ? subtract(report.sdk, report.sdkAtFirstToken) : report.sdk;
      max = Math.max(max, counts.attempts[operation] ?? 0);
    }
    return max;
  }

  /** Activities by kind, with strategy events by their own type. */
  eventCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const activity of this.activities) {
      const key = activity.kind === 'event' ? activity.type : activity.kind;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }

  countActivities(kind: StrategyActivity['kind']): number {
    return this.activities.filter((activity) => activity.kind === kind).length;
  }
}

function subtract(total: SdkCallCounts, before: SdkCallCounts | null): SdkCallCounts {
  if (before === null) return total;
  const minus = (a: Record<string, number>, b: Record<string, number>): Record<string, number> =>
    Object.fromEntries(Object.entries(a).map(([key, count]) => [key, count - (b[key] ?? 0)]));
  return {
    attempts: minus(total.attempts, before.attempts),
    errors: minus(total.errors, before.errors),
    throttled: total.throttled - before.throttled,
    conditionalFailures: total.conditionalFailures - before.conditionalFailures,
  };
}
