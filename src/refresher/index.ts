export { TokenRefresher, type TokenResult } from './token-refresher.js';
export type { GetTokenOptions } from './call-options.js';
export type {
  LockTableOptions,
  ReadyLockOptions,
  RefreshContext,
  RefreshFunction,
  RefreshResult,
  RefreshState,
  RefresherCoreOptions,
  TokenRefresherOptions,
} from './options.js';
export type { RefresherEvent, RefresherEventType, RefresherLogger, TokenSource } from './events.js';
export {
  RefreshFailedError,
  RefreshStateLostError,
  RefreshStateRejectedError,
  RefreshTimeoutError,
  TokenUnavailableError,
  type FailureRecord,
  type RefreshFailureReason,
} from './errors.js';
export { lockNameFor, lockNamePrefixFor } from './lock-name.js';
export type { CommitValue, RefreshAcquireOutcome, RefreshLease, RefreshLock, RefreshLockState } from './lock-port.js';
export { RollbackError, rollback, type RollbackOptions, type RollbackResult } from './rollback.js';
export {
  status,
  type SecretLocationOptions,
  type SecretOperationOptions,
  type SecretStatus,
  type StatusOptions,
} from './operations.js';
export type { ReplicaStatus } from './replica-status.js';
export { SeedStateError, seedState, type SeedStateOptions, type SeedStateResult } from './seed-state.js';
