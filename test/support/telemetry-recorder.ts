import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { RefresherEvent } from '../../src/index.js';
import { openTelemetryListener } from '../../src/otel/index.js';

/** A span as a process exported it, reduced to what crosses the process boundary as JSON. */
export interface ExportedSpan {
  name: string;
  spanId: string;
  /** The parent's span id, for a child span. */
  parentSpanId: string | undefined;
  attributes: Record<string, unknown>;
  status: { code: number; message?: string };
  startTime: [number, number];
  endTime: [number, number];
  events: Array<{ name: string; attributes?: Record<string, unknown> }>;
}

/** One metric as a process exported it: its descriptor and every data point. */
export interface ExportedMetric {
  name: string;
  unit: string;
  description: string;
  dataPoints: Array<{ attributes: Record<string, unknown>; value: unknown }>;
}

/** Everything one process exported through the OpenTelemetry SDK. */
export interface ExportedTelemetry {
  spans: ExportedSpan[];
  metrics: ExportedMetric[];
}

/** The OpenTelemetry SDK with in-memory exporters, fed by {@link openTelemetryListener}. */
export interface TelemetryRecorder {
  listener: (event: RefresherEvent) => void;
  /** Flushes the SDK and returns what its exporters hold, as it would have been sent to a collector. */
  exported(): Promise<ExportedTelemetry>;
}

/**
 * Starts the OpenTelemetry SDK (tracer and meter providers with in-memory exporters) for one process,
 * so a test can read exactly what the library handed to the SDK.
 *
 * @example
 * ```ts
 * const recorder = startTelemetryRecorder();
 * const refresher = new TokenRefresher({ ...options, onEvent: recorder.listener });
 * writeFileSync(file, JSON.stringify(await recorder.exported()));
 * ```
 */
export function startTelemetryRecorder(): TelemetryRecorder {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // The reader exports on forceFlush; the interval only has to be longer than any test.
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const listener = openTelemetryListener({
    tracer: tracerProvider.getTracer('token-refresher'),
    meter: meterProvider.getMeter('token-refresher'),
  });
  return {
    listener,
    async exported() {
      await tracerProvider.forceFlush();
      await meterProvider.forceFlush();
      const metrics = metricExporter
        .getMetrics()
        .at(-1)
        ?.scopeMetrics.flatMap((scope) => scope.metrics)
        .map((metric) => ({
          name: metric.descriptor.name,
          unit: metric.descriptor.unit,
          description: metric.descriptor.description,
          dataPoints: metric.dataPoints.map((point) => ({ attributes: { ...point.attributes }, value: point.value })),
        }));
      return {
        spans: spans.getFinishedSpans().map((span) => ({
          name: span.name,
          spanId: span.spanContext().spanId,
          parentSpanId: span.parentSpanContext?.spanId,
          attributes: { ...span.attributes },
          status: { ...span.status },
          startTime: span.startTime,
          endTime: span.endTime,
          events: span.events.map((event) => ({ name: event.name, ...(event.attributes ? { attributes: { ...event.attributes } } : {}) })),
        })),
        metrics: metrics ?? [],
      };
    },
  };
}
