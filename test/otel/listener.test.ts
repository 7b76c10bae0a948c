import { MeterProvider, PeriodicExportingMetricReader, InMemoryMetricExporter, AggregationTemporality } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { openTelemetryListener } from '../../src/otel/index.js';
import type { RefresherEvent } from '../../src/refresher/events.js';
import { ManualClock } from '../support/manual-clock.js';

function rig() {
  const spans = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }).getTracer('test');
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
  });
  const meter = new MeterProvider({ readers: [reader] }).getMeter('test');
  const clock = new ManualClock(1_000_000);
  const listener = openTelemetryListener({ tracer, meter, now: () => clock.now() });
  return {
    spans,
    reader,
    emit(event: RefresherEvent, advanceMs = 0) {
      clock.advance(advanceMs);
      listener(event);
    },
  };
}

async function metricValues(reader: PeriodicExportingMetricReader): Promise<Record<string, unknown[]>> {
  const { resourceMetrics } = await reader.collect();
  const out: Record<string, unknown[]> = {};
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      out[metric.descriptor.name] = metric.dataPoints.map((point) => ({ attributes: point.attributes, value: point.value }));
    }
  }
  return out;
}

const refreshed = (fence: number, generation: number, durations: { durationMs: number; refreshDurationMs: number; commitDurationMs: number }) =>
  ({ type: 'refreshed', fence, generation, versionId: `v${generation}`, expiresAt: 0, ...durations }) as const;

describe('Function: openTelemetryListener', () => {
  it('records one refresh span per generation, placed by its duration, with generation, fence and outcome', () => {
    const { spans, emit } = rig();
    emit({ type: 'refresh-started', fence: 1, generation: 1 });
    emit(refreshed(1, 1, { durationMs: 200, refreshDurationMs: 150, commitDurationMs: 40 }), 200);
    emit({ type: 'refresh-started', fence: 2, generation: 2 }, 10_000);
    emit(refreshed(2, 2, { durationMs: 300, refreshDurationMs: 250, commitDurationMs: 30 }), 300);
    const refreshes = spans.getFinishedSpans().filter((span) => span.name === 'token-refresher.refresh');
    expect(refreshes.map((span) => span.attributes)).toEqual([
      { 'token_refresher.generation': 1, 'token_refresher.fence': 1, 'token_refresher.outcome': 'committed' },
      { 'token_refresher.generation': 2, 'token_refresher.fence': 2, 'token_refresher.outcome': 'committed' },
    ]);
    const [first] = refreshes;
    expect(first?.startTime).toEqual([1_000, 0]);
    expect(first?.endTime).toEqual([1_000, 200_000_000]);
  });

  it('nests the identity-provider call and the commit under their refresh span, ending the call where the commit begins', () => {
    const { spans, emit } = rig();
    emit(refreshed(1, 1, { durationMs: 200, refreshDurationMs: 150, commitDurationMs: 40 }), 200);
    const byName = new Map(spans.getFinishedSpans().map((span) => [span.name, span]));
    const refresh = byName.get('token-refresher.refresh');
    const call = byName.get('token-refresher.refresh.call');
    const commit = byName.get('token-refresher.refresh.commit');
    expect(call?.parentSpanContext?.spanId).toBe(refresh?.spanContext().spanId);
    expect(commit?.parentSpanContext?.spanId).toBe(refresh?.spanContext().spanId);
    expect(call?.spanContext().traceId).toBe(refresh?.spanContext().traceId);
    // The refresh ends at 1 000.2 s: the commit took its last 40 ms, the call the 150 ms before.
    expect(commit?.startTime).toEqual([1_000, 160_000_000]);
    expect(commit?.endTime).toEqual([1_000, 200_000_000]);
    expect(call?.startTime).toEqual([1_000, 10_000_000]);
    expect(call?.endTime).toEqual([1_000, 160_000_000]);
  });

  it('records a get_token span only for a call that did I/O, and a lease span per attempt', () => {
    const { spans, emit } = rig();
    emit({ type: 'served', source: 'memory', generation: 1, versionId: 'v1', remainingMs: 90_000, minValidityMs: 1, ageMs: 10_000 });
    emit({ type: 'lease-attempt', outcome: 'held_by_other', fence: 4, durationMs: 12 }, 12);
    emit({ type: 'served', source: 'secret', generation: 2, versionId: 'v2', remainingMs: 80_000, minValidityMs: 1, ageMs: 5, durationMs: 25 }, 13);
    const finished = spans.getFinishedSpans();
    expect(finished.map((span) => [span.name, span.attributes])).toEqual([
      ['token-refresher.lease', { 'token_refresher.fence': 4, 'token_refresher.outcome': 'held_by_other' }],
      ['token-refresher.get_token', { 'token_refresher.source': 'secret', 'token_refresher.generation': 2 }],
    ]);
    expect(finished[1]?.startTime).toEqual([1_000, 0]);
  });

  it('marks a failed refresh span as an error and counts refreshes, lease outcomes, validity, age and headroom', async () => {
    const { spans, reader, emit } = rig();
    emit({ type: 'refresh-started', fence: 3, generation: 1 });
    emit({ type: 'refresh-failed', fence: 3, reason: 'idp down', errorName: 'TypeError', failureCount: 1, retryNotBefore: 0, durationMs: 50 }, 50);
    emit({ type: 'lease-busy', holder: 'other', fence: 3 });
    emit({ type: 'lease-lost', fence: 3, stage: 'commit' });
    emit({ type: 'served', source: 'memory', generation: 1, versionId: 'v1', remainingMs: 90_000, minValidityMs: 1, ageMs: 30_000 });
    emit({
      type: 'census',
      census: { total: 3, labelled: 1, createdLast24h: 3, nonRemovable: 3, quota: 100, headroom: 97, guard: 5 },
    } as RefresherEvent);
    const [failed] = spans.getFinishedSpans();
    expect(failed?.status.code).toBe(2);
    expect(failed?.attributes['error.type']).toBe('TypeError');
    expect(failed?.startTime).toEqual([1_000, 0]);
    const values = await metricValues(reader);
    expect(values['token_refresher.refreshes']).toEqual([{ attributes: { outcome: 'failed' }, value: 1 }]);
    expect(values['token_refresher.grant.lost']).toBeUndefined();
    expect(values['token_refresher.lease']).toEqual([
      { attributes: { outcome: 'acquired' }, value: 1 },
      { attributes: { outcome: 'held_by_other' }, value: 1 },
      { attributes: { outcome: 'lost', stage: 'commit' }, value: 1 },
    ]);
    expect(values['token_refresher.versions.headroom']).toEqual([{ attributes: {}, value: 97 }]);
    expect(values['token_refresher.served.remaining_validity']).toHaveLength(1);
    expect(values['token_refresher.served.age']).toEqual([
      { attributes: { source: 'memory' }, value: expect.objectContaining({ sum: 30_000, count: 1 }) },
    ]);
  });

  it('counts token_refresher.grant.lost for a refresh whose refresh state the provider refused', async () => {
    const { reader, emit } = rig();
    const failed = {
      type: 'refresh-failed',
      fence: 4,
      errorName: 'RefreshStateLostError',
      failureCount: 1,
      retryNotBefore: 0,
      durationMs: 30,
    } as const;
    emit({ ...failed, reason: 'state-lost' });
    emit({ ...failed, reason: 'error' });
    const values = await metricValues(reader);
    expect(values['token_refresher.grant.lost']).toEqual([{ attributes: {}, value: 1 }]);
    expect(values['token_refresher.refreshes']).toEqual([{ attributes: { outcome: 'failed' }, value: 2 }]);
  });
});
