export { SecretAccessError, VersionQuotaError, type VersionCensus } from './errors.js';
export { assertSecretId, isSecretArn, secretNameOf } from './secret-id.js';
export {
  AWSCURRENT,
  AWSPENDING,
  AWSPREVIOUS,
  SecretStore,
  type CensusOptions,
  type LabelRead,
  type MoveOutcome,
  type SecretStoreOptions,
} from './secret-store.js';
export { isTransientError, retryTransient, type RetryTransientOptions } from './transient.js';
export { pendingVersionId, type PendingVersionKey } from './version-id.js';
