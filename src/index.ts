export { TokenRefresherError, ConfigurationError } from './shared/errors.js';
export type { Clock } from './shared/clock.js';
export { systemClock } from './shared/clock.js';
export { seededRandom } from './shared/random.js';
export { TokenRefresher, type TokenResult } from './refresher/token-refresher.js';
export type { GetTokenOptions } from './refresher/call-options.js';
export type {
  LockTableOptions,
  ReadyLockOptions,
  RefreshContext,
  RefreshFunction,
  RefreshResult,
  RefreshState,
  RefresherCoreOptions,
  TokenRefresherOptions,
} from './refresher/options.js';
export type { RefresherEvent, RefresherEventType, RefresherLogger, TokenSource } from './refresher/events.js';
export {
  RefreshFailedError,
  RefreshStateLostError,
  RefreshStateRejectedError,
  RefreshTimeoutError,
  TokenUnavailableError,
  type FailureRecord,
} from './refresher/errors.js';
export { lockNameFor, lockNamePrefixFor } from './refresher/lock-name.js';
export type { CommitValue, RefreshAcquireOutcome, RefreshLease, RefreshLock, RefreshLockState } from './refresher/lock-port.js';
export { status, type SecretLocationOptions, type SecretOperationOptions, type SecretStatus, type StatusOptions } from './refresher/operations.js';
export { RollbackError, rollback, type RollbackOptions, type RollbackResult } from './refresher/rollback.js';
export type { ReplicaStatus } from './refresher/replica-status.js';
export { SeedStateError, seedState, type SeedStateOptions, type SeedStateResult } from './refresher/seed-state.js';
export type { DecodedToken, IssuedToken, TokenEnvelope } from './token/token.js';
export { ENVELOPE_FORMAT, envelopeCodec, type TokenCodec } from './token/codec.js';
export { InvalidSecretPayloadError, InvalidTokenError } from './token/errors.js';
export { RefreshPolicy } from './token/policy.js';
export { SecretAccessError, VersionQuotaError, type VersionCensus } from './secret/errors.js';
export { secretNameOf } from './secret/secret-id.js';
export { LeaseLock, type AcquireOutcome, type LockContext, type LockState } from './lock/lease-lock.js';
export type { Lease } from './lock/lease.js';
export type { LeaseLockOptions } from './lock/options.js';
export type { LockEvent } from './lock/events.js';
export { LockError, LockLostError, LockTableError, LockTimeoutError, LockUnavailableError } from './lock/errors.js';
export { MemoryLockStore } from './lock/memory-store.js';
export type { AcquireWrite, LockStore, ReleaseWrite, RenewWrite, WriteOutcome } from './lock/store.js';
export type { AttributeUpdate, AttributeValue, LockRecord } from './lock/record.js';
export { ensureLockTable, verifyLockTable } from './lock/table.js';
