import { type Attributes, context, type Meter, type Span, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import type { RefresherEvent } from '../refresher/events.js';
import { STATE_LOST } from '../refresher/failure.js';

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

/** Spans are rebuilt when an event reports their end: start = end − the event's duration. */
interface SpanTiming {
  end: number;
  durationMs: number;
}

/**
 * An `onEvent` listener that records the refresher's events as OpenTelemetry spans and metrics, each
 * span rebuilt from its event's duration (start = end − durationMs):
 * `token-refresher.get_token` for a call that did I/O, `token-refresher.lease` per lease attempt,
 * `token-refresher.refresh` per committed or failed refresh with the children
 * `token-refresher.refresh.call` (the identity provider) and `token-refresher.refresh.commit` (pending
 * version, compare-and-swap, commit record), `token-refresher.wait` per wait for another holder; and
 * the metrics of the README's table. Attributes are generation, fence, outcome and source — never a token.
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
  const grantLost = meter.createCounter('token_refresher.grant.lost', {
    description: 'Refreshes whose refresh state the identity provider refused: re-authorize, then seed-state',
  });
  const duration = meter.createHistogram('token_refresher.refresh.duration', { unit: 'ms', description: 'Lease to commit' });
  const lease = meter.createCounter('token_refresher.lease', { description: 'Lease attempts, by outcome: acquired, held_by_other, lost' });
  const remaining = meter.createHistogram('token_refresher.served.remaining_validity', { unit: 'ms' });
  const age = meter.createHistogram('token_refresher.served.age', { unit: 'ms', description: 'Time since the served token was issued' });
  const headroom = meter.createGauge('token_refresher.versions.headroom', { description: 'Versions left before the quota' });
  const span = (name: string, timing: SpanTiming, attributes: Attributes, parent?: Span): Span =>
    tracer.startSpan(
      name,
      { startTime: timing.end - timing.durationMs, attributes },
      parent === undefined ? undefined : trace.setSpan(context.active(), parent),
    );
  return (event) => {
    switch (event.type) {
      case 'refresh-started':
        lease.add(1, { outcome: 'acquired' });
        break;
      case 'refreshed': {
        const end = now();
        const attributes = {
          'token_refresher.generation': event.generation,
          'token_refresher.fence': event.fence,
          'token_refresher.outcome': 'committed',
        };
        const refresh = span('token-refresher.refresh', { end, durationMs: event.durationMs }, attributes);
        const committedFrom = end - event.commitDurationMs;
        span('token-refresher.refresh.call', { end: committedFrom, durationMs: event.refreshDurationMs }, attributes, refresh).end(committedFrom);
        span('token-refresher.refresh.commit', { end, durationMs: event.commitDurationMs }, attributes, refresh).end(end);
        refresh.end(end);
        refreshes.add(1, { outcome: 'committed' });
        duration.record(event.durationMs, { outcome: 'committed' });
        break;
      }
      case 'refresh-failed': {
        const end = now();
        const failed = span(
          'token-refresher.refresh',
          { end, durationMs: event.durationMs },
          { 'token_refresher.fence': event.fence, 'token_refresher.outcome': 'failed', 'error.type': event.errorName },
        );
        failed.setStatus({ code: SpanStatusCode.ERROR });
        failed.end(end);
        refreshes.add(1, { outcome: 'failed' });
        if (event.reason === STATE_LOST) grantLost.add(1);
        break;
      }
      case 'lease-attempt': {
        const end = now();
        span(
          'token-refresher.lease',
          { end, durationMs: event.durationMs },
          { 'token_refresher.fence': event.fence, 'token_refresher.outcome': event.outcome },
        ).end(end);
        break;
      }
      case 'lease-busy':
        lease.add(1, { outcome: 'held_by_other' });
        break;
      case 'lease-lost':
        lease.add(1, { outcome: 'lost', stage: event.stage });
        break;
      case 'waited': {
        const end = now();
        span('token-refresher.wait', { end, durationMs: event.durationMs }, { 'token_refresher.outcome': event.outcome }).end(end);
        break;
      }
      case 'served': {
        remaining.record(event.remainingMs, { source: event.source });
        age.record(event.ageMs, { source: event.source });
        if (event.durationMs === undefined) break;
        const end = now();
        span(
          'token-refresher.get_token',
          { end, durationMs: event.durationMs },
          { 'token_refresher.source': event.source, 'token_refresher.generation': event.generation },
        ).end(end);
        break;
      }
      case 'census':
        headroom.record(event.census.headroom);
        break;
      default:
        break;
    }
  };
}
