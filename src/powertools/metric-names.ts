/**
 * The metric names every telemetry adapter publishes, one table for CloudWatch and OpenTelemetry
 * alike (README, "Operate"). `GrantLost` is reserved for the rotating-refresh-token feature, which
 * does not exist yet; nothing emits it today.
 */
export const METRIC_NAMES = {
  refreshSucceeded: 'RefreshSucceeded',
  refreshFailed: 'RefreshFailed',
  refreshDuration: 'RefreshDuration',
  leaseAcquired: 'LeaseAcquired',
  leaseHeldByOther: 'LeaseHeldByOther',
  leaseLost: 'LeaseLost',
  remainingValidityAtServe: 'RemainingValidityAtServe',
  servedTokenAge: 'ServedTokenAge',
  versionHeadroom: 'VersionHeadroom',
  grantLost: 'GrantLost',
} as const;
