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

describe('Function: openTelemetryListener', () => {
  it('records one refresh span per generation, placed by its duration, with generation, fence and outcome', () => {
    const { spans, emit } = rig();
    emit({ type: 'refresh-started', fence: 1, generation: 1 });
    emit({ type: 'refreshed', fence: 1, generation: 1, versionId: 'v1', expiresAt: 0, durationMs: 200 }, 200);
    emit({ type: 'refresh-started', fence: 2, generation: 2 }, 10_000);
    emit({ type: 'refreshed', fence: 2, generation: 2, versionId: 'v2', expiresAt: 0, durationMs: 300 }, 300);
    const refreshes = spans.getFinishedSpans().filter((span) => span.name === 'token-refresher.refresh');
    expect(refreshes.map((span) => span.attributes)).toEqual([
      { 'token_refresher.generation': 1, 'token_refresher.fence': 1, 'token_refresher.outcome': 'committed' },
      { 'token_refresher.generation': 2, 'token_refresher.fence': 2, 'token_refresher.outcome': 'committed' },
    ]);
    const [first] = refreshes;
    expect(first?.startTime).toEqual([1_000, 0]);
    expect(first?.endTime).toEqual([1_000, 200_000_000]);
  });

  it('marks a failed refresh span as an error and counts refreshes, lease outcomes, remaining validity and headroom', async () => {
    const { spans, reader, emit } = rig();
    emit({ type: 'refresh-started', fence: 3, generation: 1 });
    emit({ type: 'refresh-failed', fence: 3, reason: 'idp down', errorName: 'TypeError', failureCount: 1, retryNotBefore: 0 }, 50);
    emit({ type: 'lease-busy', holder: 'other', fence: 3 });
    emit({ type: 'lease-lost', fence: 3, stage: 'commit' });
    emit({ type: 'served', source: 'memory', generation: 1, versionId: 'v1', remainingMs: 90_000, minValidityMs: 1 });
    emit({
      type: 'census',
      census: { total: 3, labelled: 1, createdLast24h: 3, nonRemovable: 3, quota: 100, headroom: 97, guard: 5 },
    } as RefresherEvent);
    const [failed] = spans.getFinishedSpans();
    expect(failed?.status.code).toBe(2);
    expect(failed?.attributes['error.type']).toBe('TypeError');
    const values = await metricValues(reader);
    expect(values['token_refresher.refreshes']).toEqual([{ attributes: { outcome: 'failed' }, value: 1 }]);
    expect(values['token_refresher.lease']).toEqual([
      { attributes: { outcome: 'acquired' }, value: 1 },
      { attributes: { outcome: 'held_by_other' }, value: 1 },
      { attributes: { outcome: 'lost', stage: 'commit' }, value: 1 },
    ]);
    expect(values['token_refresher.versions.headroom']).toEqual([{ attributes: {}, value: 97 }]);
    expect(values['token_refresher.served.remaining_validity']).toHaveLength(1);
  });
});
