import { OffsetClock, type EmulatorClock } from './clock.js';
import { EmulatorConfigurationError } from './errors.js';
import { FaultInjector } from './faults.js';
import { DurableJournal } from './journal.js';
import { SecretsManagerModel } from './model.js';
import { RegionalModels } from './regions.js';
import { ReplicationHub } from './replication.js';
import { createEmulatorHttpServer, listen } from './server.js';
import { EmulatorStats } from './stats.js';
import { Throttle, type ThrottleGroupName } from './throttle.js';

export { OffsetClock, type EmulatorClock } from './clock.js';
export { EmulatorConfigurationError, EmulatorStorageError, SecretsManagerServiceError } from './errors.js';
export { FaultInjector, type FaultConfig, type FaultRule } from './faults.js';
export { SecretsManagerModel, type ReplicaSource, type SecretsManagerModelOptions } from './model.js';
export { RegionalModels, regionOfAuthorization } from './regions.js';
export { ReplicationHub, type ReplicationSettings } from './replication.js';
export type { StateChange } from './state.js';
export { EmulatorStats, type EmulatorStatsSnapshot } from './stats.js';
export { Throttle, TokenBucket, throttleGroups, type ThrottleGroupName } from './throttle.js';
export { createDispatcher, dispatch, failure, operationNames, operationOf, type OperationName, type WireResponse } from './wire.js';

/**
 * Options for {@link startSecretsManagerEmulator}. Quotas and rates default to AWS's.
 *
 * @example
 * ```ts
 * const options: SecretsManagerEmulatorOptions = { dataDir: '.tmp/sm', writeRatePerSecond: 0 };
 * ```
 */
export interface SecretsManagerEmulatorOptions {
  /** Interface to bind. Default `127.0.0.1`: the emulator is for loopback. */
  host?: string;
  /** Port; `0` (the default) takes any free one. */
  port?: number;
  /**
   * Folder for durable state. When set, every change is journaled and synced to disk before the
   * response is sent, so acknowledged writes survive `kill -9`. Default: memory only.
   */
  dataDir?: string;
  /**
   * The default Region: it serves requests whose SigV4 credential scope names no Region. Any other
   * Region a request names gets its own secrets. Default `us-east-1`.
   */
  region?: string;
  /** Account id in ARNs. Default `123456789012`. */
  accountId?: string;
  /**
   * Requests per second shared by PutSecretValue, UpdateSecret and UpdateSecretVersionStage —
   * AWS's 50 by default; `0` or `Infinity` turns the throttle off. Shorthand for `rateLimits.writes`.
   */
  writeRatePerSecond?: number;
  /** Per-group request rates (see `throttleGroups`); `0` or `Infinity` turns a group off. */
  rateLimits?: Partial<Record<ThrottleGroupName, number>>;
  /** Monotonic milliseconds for the throttle; inject a frozen clock for deterministic tests. */
  throttleClock?: () => number;
  /** Versions per secret before clean-up or `LimitExceededException`. Default 100. */
  maxVersionsPerSecret?: number;
  /** Age before an unlabeled version may be removed. Default 24 h. */
  deprecatedVersionMinAgeMs?: number;
  /** Staging labels per secret. Default 20. */
  maxLabelsPerSecret?: number;
  /** Largest accepted request body. Default 1 MiB (a 65,536-byte value escaped as JSON fits). */
  maxBodyBytes?: number;
  /** A request whose body has not fully arrived after this long is answered 408 and closed. Default 10 s. */
  bodyTimeoutMs?: number;
  /** The model's clock; default real time plus the offset moved by `POST /_emulator/clock`. */
  clock?: EmulatorClock;
  /** Fold the journal into a snapshot past this size (with `dataDir`). Default 64 MiB. */
  compactAfterBytes?: number;
}

/**
 * A running emulator.
 *
 * @example
 * ```ts
 * const { endpoint, model, close }: RunningSecretsManagerEmulator = await startSecretsManagerEmulator();
 * ```
 */
export interface RunningSecretsManagerEmulator {
  /** `http://127.0.0.1:<port>`, for the SDK's `endpoint` or `AWS_ENDPOINT_URL_SECRETS_MANAGER`. */
  readonly endpoint: string;
  /** The default Region's model, for tests that inspect or seed state directly. */
  readonly model: SecretsManagerModel;
  /** Every Region's model (`regions.model('eu-west-1')`). */
  readonly regions: RegionalModels;
  /** Replication between Regions (also configured at `POST /_emulator/replication`). */
  readonly replication: ReplicationHub;
  /** Per-operation counters (also served at `GET /_emulator/stats`). */
  readonly stats: EmulatorStats;
  /** Fault injection (also configured at `POST /_emulator/faults`). */
  readonly faults: FaultInjector;
  /** Stops listening, closes open connections, finishes pending durable writes. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the Secrets Manager emulator: an awsJson1_1 server on loopback that the unmodified AWS
 * SDKs and CLI talk to through `endpoint` / `AWS_ENDPOINT_URL_SECRETS_MANAGER`, with AWS's quotas
 * and throttling on, and `/_emulator/*` routes for the clock, stats, faults and reset.
 *
 * @example
 * ```ts
 * const emulator = await startSecretsManagerEmulator();
 * const client = new SecretsManagerClient({
 *   endpoint: emulator.endpoint,
 *   region: 'us-east-1',
 *   credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
 * });
 * await client.send(new CreateSecretCommand({ Name: 'app/token', SecretString: 'v1' }));
 * await emulator.close();
 * ```
 */
export async function startSecretsManagerEmulator(options: SecretsManagerEmulatorOptions = {}): Promise<RunningSecretsManagerEmulator> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new EmulatorConfigurationError(`Option port must be an integer from 0 to 65535; got ${String(port)}.`);
  }
  const maxBodyBytes = positiveInteger('maxBodyBytes', options.maxBodyBytes ?? 1024 * 1024);
  const bodyTimeoutMs = positiveInteger('bodyTimeoutMs', options.bodyTimeoutMs ?? 10_000);
  const throttle = new Throttle({
    ratesPerSecond: {
      ...options.rateLimits,
      ...(options.writeRatePerSecond === undefined ? {} : { writes: options.writeRatePerSecond }),
    },
    ...(options.throttleClock ? { now: options.throttleClock } : {}),
  });
  const opened =
    options.dataDir === undefined ? undefined : await DurableJournal.open(options.dataDir, optionalCompaction(options.compactAfterBytes));
  const journal = opened?.journal;
  const clock = options.clock ?? new OffsetClock();
  let regions: RegionalModels | undefined;
  // The hub reaches the Regions lazily: they are built below, with the hub in their options.
  const replication = new ReplicationHub(clock, (region) => (regions as RegionalModels).model(region));
  let model: SecretsManagerModel;
  try {
    regions = new RegionalModels(
      options.region ?? 'us-east-1',
      (region, onChanges) =>
        new SecretsManagerModel({
          clock,
          region,
          replication,
          ...(options.accountId === undefined ? {} : { accountId: options.accountId }),
          ...(options.maxVersionsPerSecret === undefined ? {} : { maxVersionsPerSecret: options.maxVersionsPerSecret }),
          ...(options.deprecatedVersionMinAgeMs === undefined ? {} : { deprecatedVersionMinAgeMs: options.deprecatedVersionMinAgeMs }),
          ...(options.maxLabelsPerSecret === undefined ? {} : { maxLabelsPerSecret: options.maxLabelsPerSecret }),
          ...(onChanges ? { onChanges } : {}),
        }),
      journal ? (changes) => journal.append(changes) : undefined,
    );
    model = regions.defaultModel;
    const all = regions;
    if (opened && journal) {
      all.restore(opened.changes);
      await journal.compact(() => all.snapshot());
      // Copies on their way when the emulator stopped were in memory only: send every primary again.
      for (const region of all.regions) {
        for (const name of all.model(region).replicatedPrimaryNames()) replication.primaryChanged(region, name);
      }
    }
  } catch (error) {
    await journal?.close();
    throw error;
  }
  const stats = new EmulatorStats();
  const faults = new FaultInjector();
  const server = createEmulatorHttpServer({
    model,
    regions,
    replication,
    throttle,
    faults,
    stats,
    durable: journal ? () => journal.durable() : () => Promise.resolve(),
    maxBodyBytes,
    bodyTimeoutMs,
  });
  let endpoint: string;
  try {
    endpoint = await listen(server, host, port);
  } catch (error) {
    await journal?.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    endpoint,
    model,
    regions,
    replication,
    stats,
    faults,
    close() {
      closing ??= (async () => {
        replication.reset(); // stops its timer
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await journal?.close();
      })();
      return closing;
    },
  };
}

function positiveInteger(option: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new EmulatorConfigurationError(`Option ${option} must be a positive integer; got ${String(value)}.`);
  }
  return value;
}

function optionalCompaction(compactAfterBytes: number | undefined): { compactAfterBytes?: number } {
  if (compactAfterBytes === undefined) return {};
  return { compactAfterBytes: positiveInteger('compactAfterBytes', compactAfterBytes) };
}
