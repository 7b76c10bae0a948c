import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Dashboard, GraphWidget, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { METRIC_NAMES } from '../powertools/metric-names.js';

/**
 * Where the fleet's metrics are published: the namespace and `service` dimension given to Powertools
 * Metrics in `powertoolsListener`.
 *
 * @example
 * ```ts
 * const monitoring: TokenRefresherMonitoringProps = { namespace: 'TokenRefresher', service: 'api' };
 * ```
 */
export interface TokenRefresherMonitoringProps {
  namespace: string;
  service: string;
  /** Alarm when fewer versions than this are left before the quota. Default 20. */
  headroomThreshold?: number;
}

/** The dashboard and the alarms on refresh failures, lost grants and version headroom. */
export interface TokenRefresherMonitoring {
  dashboard: Dashboard;
  alarms: { refreshFailed: Alarm; grantLost: Alarm; versionHeadroom: Alarm };
}

/** Builds the dashboard and alarms on the metric names of {@link METRIC_NAMES}, the same table the EMF listener publishes. */
export function createMonitoring(scope: Construct, props: TokenRefresherMonitoringProps): TokenRefresherMonitoring {
  const metric = (metricName: string, statistic: string) =>
    new Metric({ namespace: props.namespace, metricName, statistic, dimensionsMap: { service: props.service }, period: Duration.minutes(5) });
  const alarm = (id: string, target: Metric, threshold: number, comparisonOperator: ComparisonOperator) =>
    new Alarm(scope, id, { metric: target, threshold, evaluationPeriods: 1, comparisonOperator, treatMissingData: TreatMissingData.NOT_BREACHING });
  const alarms = {
    refreshFailed: alarm('RefreshFailedAlarm', metric(METRIC_NAMES.refreshFailed, 'Sum'), 1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD),
    grantLost: alarm('GrantLostAlarm', metric(METRIC_NAMES.grantLost, 'Sum'), 1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD),
    versionHeadroom: alarm(
      'VersionHeadroomAlarm',
      metric(METRIC_NAMES.versionHeadroom, 'Minimum'),
      props.headroomThreshold ?? 20,
      ComparisonOperator.LESS_THAN_THRESHOLD,
    ),
  };
  const dashboard = new Dashboard(scope, 'Dashboard');
  dashboard.addWidgets(
    new GraphWidget({
      title: 'Refreshes',
      left: [metric(METRIC_NAMES.refreshSucceeded, 'Sum'), metric(METRIC_NAMES.refreshFailed, 'Sum')],
    }),
    new GraphWidget({ title: 'Refresh duration (ms)', left: [metric(METRIC_NAMES.refreshDuration, 'p99')] }),
    new GraphWidget({
      title: 'Lease',
      left: [metric(METRIC_NAMES.leaseAcquired, 'Sum'), metric(METRIC_NAMES.leaseHeldByOther, 'Sum'), metric(METRIC_NAMES.leaseLost, 'Sum')],
    }),
    new GraphWidget({ title: 'Remaining validity at serve (ms)', left: [metric(METRIC_NAMES.remainingValidityAtServe, 'Minimum')] }),
    new GraphWidget({ title: 'Served-token age (ms)', left: [metric(METRIC_NAMES.servedTokenAge, 'Maximum')] }),
    new GraphWidget({ title: 'Version headroom', left: [metric(METRIC_NAMES.versionHeadroom, 'Minimum')] }),
  );
  return { dashboard, alarms };
}
