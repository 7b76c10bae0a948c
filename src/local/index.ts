/**
 * `token-refresher/local`: the embedded local stack — dynalite (a real DynamoDB implementation) and
 * our wire-compatible Secrets Manager emulator on loopback — for tests, demos and development
 * without AWS. Point the AWS SDK at it with the `AWS_ENDPOINT_URL_*` variables it reports.
 *
 * @example
 * ```ts
 * import { startLocalStack } from 'token-refresher/local';
 *
 * const stack = await startLocalStack();
 * Object.assign(process.env, stack.environment());
 * // … use TokenRefresher as against AWS …
 * await stack.close();
 * ```
 *
 * For in-process use without HTTP (the fleet simulation drives it under virtual time): the emulator's
 * model ({@link SecretsManagerModel}), its wire layer ({@link createDispatcher}, {@link failure}) and
 * its write throttle ({@link Throttle}), and for several Regions one model per Region ({@link RegionalModels})
 * with the replication between them ({@link ReplicationHub}).
 */
export { startLocalStack, type LocalStack, type LocalStackOptions } from './stack.js';
export { startDynalite, type DynaliteOptions, type RunningDynalite } from './dynamodb/dynalite.js';
export {
  startSecretsManagerEmulator,
  type RunningSecretsManagerEmulator,
  type SecretsManagerEmulatorOptions,
  EmulatorConfigurationError,
  EmulatorStorageError,
  SecretsManagerServiceError,
  SecretsManagerModel,
  type SecretsManagerModelOptions,
  OffsetClock,
  type EmulatorClock,
  type FaultConfig,
  type FaultRule,
  type EmulatorStatsSnapshot,
  createDispatcher,
  failure,
  Throttle,
  RegionalModels,
  ReplicationHub,
  type ReplicationSettings,
  type OperationName,
  type WireResponse,
} from './secrets-manager/index.js';
