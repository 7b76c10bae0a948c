export { TokenRefresherError, ConfigurationError } from './shared/errors.js';
export type { Clock } from './shared/clock.js';
export { systemClock } from './shared/clock.js';
export {
  TokenRefresher,
  RefreshFailedError,
  RefreshTimeoutError,
  TokenUnavailableError,
  RollbackError,
  lockNameFor,
  lockNamePrefixFor,
  rollback,
  status,
  type FailureRecord,
  type GetTokenOptions,
  type RefreshContext,
  type RefreshFunction,
  type RefresherEvent,
  type RefresherEventType,
  type RefresherLogger,
  type RollbackOptions,
  type RollbackResult,
  type SecretStatus,
  type StatusOptions,
  type TokenRefresherOptions,
  type TokenResult,
  type TokenSource,
} from './refresher/index.js';
export {
  ENVELOPE_FORMAT,
  envelopeCodec,
  InvalidSecretPayloadError,
  InvalidTokenError,
  RefreshPolicy,
  type DecodedToken,
  type IssuedToken,
  type TokenCodec,
  type TokenEnvelope,
} from './token/index.js';
export { SecretAccessError, VersionQuotaError, secretNameOf, type VersionCensus } from './secret/index.js';
