/**
 * The metric names every telemetry adapter publishes, one table for CloudWatch and OpenTelemetry
 * alike (README, "Operate"). `GrantLost` counts refreshes whose stored refresh state the identity
 * provider refused (failure reason `state-lost`): a person must re-authorize and run `seed-state`.
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
