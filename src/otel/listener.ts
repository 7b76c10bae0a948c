import { type Meter, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { RefresherEvent } from '../refresher/events.js';

/**
 * Options of {@link openTelemetryListener}.
 *
 * @example
 * ```ts
 * const options: OpenTelemetryListenerOptions = { tracer: trace.getTracer('token-refresher'), meter: metrics.getMeter('token-refresher') };
 * ```
 */
export interface OpenTelemetryListenerOptions {
  tracer: Tracer;
  meter: Meter;
  /** Current time in ms since the epoch, to place spans rebuilt from `durationMs`. Default `Date.now`. */
  now?: () => number;
}

/**
 * An `onEvent` listener that records the refresher's events as OpenTelemetry spans and metrics: one
 * `token-refresher.refresh` span per committed or failed refresh (rebuilt from the event's duration:
 * start = end − durationMs), one `token-refresher.wait` span per wait for another holder, and the
 * metrics of the README's table. Attributes are generation, fence, outcome and source — never a token.
 *
 * @example
 * ```ts
 * const refresher = new TokenRefresher({ ...options, onEvent: openTelemetryListener({ tracer, meter }) });
 * ```
 */
export function openTelemetryListener(options: OpenTelemetryListenerOptions): (event: RefresherEvent) => void {
  const { tracer, meter } = options;
  const now = options.now ?? Date.now;
  const refreshes = meter.createCounter('token_refresher.refreshes', { description: 'Refreshes, by outcome' });
  const duration = meter.createHistogram('token_refresher.refresh.duration', { unit: 'ms', description: 'Lease to commit' });
  const lease = meter.createCounter('token_refresher.lease', { description: 'Lease attempts, by outcome: acquired, held_by_other, lost' });
  const remaining = meter.createHistogram('token_refresher.served.remaining_validity', { unit: 'ms' });
  const headroom = meter.createGauge('token_refresher.versions.headroom', { description: 'Versions left before the quota' });
  const starts = new Map<number, number>();
  return (event) => {
    switch (event.type) {
      case 'refresh-started':
        starts.set(event.fence, now());
        lease.add(1, { outcome: 'acquired' });
        break;
      case 'refreshed': {
        const end = now();
        starts.delete(event.fence);
        tracer
          .startSpan('token-refresher.refresh', {
            startTime: end - event.durationMs,
            attributes: {
              'token_refresher.generation': event.generation,
              'token_refresher.fence': event.fence,
              'token_refresher.outcome': 'committed',
            },
          })
          .end(end);
        refreshes.add(1, { outcome: 'committed' });
        duration.record(event.durationMs, { outcome: 'committed' });
        break;
      }
      case 'refresh-failed': {
        const end = now();
        const span = tracer.startSpan('token-refresher.refresh', {
          startTime: starts.get(event.fence) ?? end,
          attributes: { 'token_refresher.fence': event.fence, 'token_refresher.outcome': 'failed', 'error.type': event.errorName },
        });
        starts.delete(event.fence);
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.end(end);
        refreshes.add(1, { outcome: 'failed' });
        break;
      }
      case 'lease-busy':
        lease.add(1, { outcome: 'held_by_other' });
        break;
      case 'lease-lost':
        // A refresh that lost its lease ends with neither refreshed nor refresh-failed.
        starts.delete(event.fence);
        lease.add(1, { outcome: 'lost', stage: event.stage });
        break;
      case 'waited': {
        const end = now();
        tracer
          .startSpan('token-refresher.wait', { startTime: end - event.durationMs, attributes: { 'token_refresher.outcome': event.outcome } })
          .end(end);
        break;
      }
      case 'served':
        remaining.record(event.remainingMs, { source: event.source });
        break;
      case 'census':
        headroom.record(event.census.headroom);
        break;
      default:
        break;
    }
  };
}
