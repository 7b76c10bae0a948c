import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { RefresherEvent } from '../refresher/events.js';
import { STATE_LOST } from '../refresher/failure.js';
import { METRIC_NAMES } from './metric-names.js';

/**
 * Options of {@link powertoolsListener}.
 *
 * @example
 * ```ts
 * const options: PowertoolsListenerOptions = { metrics: new Metrics({ namespace: 'TokenRefresher' }), logger: new Logger() };
 * ```
 */
export interface PowertoolsListenerOptions {
  /** Receives the metrics; publish them as usual (`logMetrics` middleware or `publishStoredMetrics()`). */
  metrics: Metrics;
  /** Receives one structured line per event that needs attention (failures, lost leases, quota). */
  logger?: Logger;
}

const WARNINGS = new Set<RefresherEvent['type']>([
  'lease-lost',
  'rollback-prevented',
  'quota-warning',
  'replication-lag-warning',
  'lock-unavailable',
  'background-check-failed',
]);

/**
 * An `onEvent` listener that turns the refresher's events into CloudWatch metrics through Powertools
 * Metrics (Embedded Metric Format, no collector needed) and, optionally, Powertools Logger lines.
 * Events carry no token value, so neither do the metrics or the lines.
 *
 * @example
 * ```ts
 * const metrics = new Metrics({ namespace: 'TokenRefresher', serviceName: 'api' });
 * const tokens = new LambdaTokenProvider({ secretId, lockTable, refresh, onEvent: powertoolsListener({ metrics, logger }) });
 * export const handler = middy(inner).use(logMetrics(metrics));
 * ```
 */
export function powertoolsListener(options: PowertoolsListenerOptions): (event: RefresherEvent) => void {
  const { metrics, logger } = options;
  return (event) => {
    switch (event.type) {
      case 'refreshed':
        metrics.addMetric(METRIC_NAMES.refreshSucceeded, MetricUnit.Count, 1);
        metrics.addMetric(METRIC_NAMES.refreshDuration, MetricUnit.Milliseconds, event.durationMs);
        break;
      case 'refresh-failed':
        metrics.addMetric(METRIC_NAMES.refreshFailed, MetricUnit.Count, 1);
        if (event.reason === STATE_LOST) metrics.addMetric(METRIC_NAMES.grantLost, MetricUnit.Count, 1);
        logger?.error('token refresh failed', { ...event });
        return;
      case 'refresh-started':
        metrics.addMetric(METRIC_NAMES.leaseAcquired, MetricUnit.Count, 1);
        break;
      case 'lease-busy':
        metrics.addMetric(METRIC_NAMES.leaseHeldByOther, MetricUnit.Count, 1);
        break;
      case 'lease-lost':
        metrics.addMetric(METRIC_NAMES.leaseLost, MetricUnit.Count, 1);
        break;
      case 'served':
        metrics.addMetric(METRIC_NAMES.remainingValidityAtServe, MetricUnit.Milliseconds, event.remainingMs);
        metrics.addMetric(METRIC_NAMES.servedTokenAge, MetricUnit.Milliseconds, event.ageMs);
        break;
      case 'census':
        metrics.addMetric(METRIC_NAMES.versionHeadroom, MetricUnit.Count, event.census.headroom);
        break;
      default:
        break;
    }
    if (WARNINGS.has(event.type)) logger?.warn(`token refresher: ${event.type}`, { ...event });
    else if (event.type !== 'served') logger?.debug(`token refresher: ${event.type}`, { ...event });
  };
}
