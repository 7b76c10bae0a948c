import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ensureLockTable } from '../../src/lock/index.js';
import {
  startSecretsManagerEmulator,
  type RunningSecretsManagerEmulator,
  type SecretsManagerEmulatorOptions,
} from '../../src/local/secrets-manager/index.js';
import type { RefreshLock } from '../../src/refresher/lock-port.js';
import type { LockTableOptions, ReadyLockOptions, RefresherCoreOptions } from '../../src/refresher/options.js';
import { TokenRefresher, type RefresherEvent, type TokenRefresherOptions } from '../../src/refresher/index.js';
import { envelopeCodec } from '../../src/token/codec.js';
import { SdkCallCounter } from '../../devkit/sdk-counters.js';
import { LOCAL_AWS, startLocalDynamoDb, uniqueTableName, type LocalDynamoDb } from '../support/dynamodb.js';
import { OffsetClock } from '../support/offset-clock.js';
import { isNotFound } from '../support/secret-model.js';
import { NO_THROTTLE } from '../support/secrets-manager.js';

/** dynalite and the Secrets Manager emulator for one test file, with counted SDK clients. */
export interface RefresherStack {
  emulator: RunningSecretsManagerEmulator;
  dynamodb: LocalDynamoDb;
  /** A fresh lock table. */
  table(): Promise<string>;
  /** A fresh secret name. */
  secretName(prefix?: string): string;
  /**
   * What AWSCURRENT (or `label`) holds, read from the emulator's model (not counted); `undefined`
   * only when the secret or label does not exist. Throws when the value is not an envelope.
   */
  current(secretId: string, label?: string): { versionId: string; generation: number } | undefined;
  /**
   * Records the generation on AWSCURRENT after every write the emulator applies to the secret, so a
   * test can prove it only moved forward (G4).
   */
  watchCurrent(secretId: string): number[];
  /** Every version of the secret, labelled or not, from the model; `[]` only when the secret does not exist. */
  versions(secretId: string): Array<{ versionId: string; stages: string[] }>;
  close(): Promise<void>;
}

/** One process's view: SDK clients with a request counter, as a TokenRefresher would have. */
export interface Clients {
  secretsManager: SecretsManagerClient;
  dynamodb: DynamoDBClient;
  counter: SdkCallCounter;
}

let secretCounter = 0;

/**
 * Starts the local stack for a refresher test file (throttling off unless the options say so).
 *
 * @example
 * ```ts
 * let stack: RefresherStack;
 * beforeAll(async () => { stack = await startRefresherStack(); });
 * afterAll(() => stack.close());
 * ```
 */
export async function startRefresherStack(options: SecretsManagerEmulatorOptions = {}): Promise<RefresherStack> {
  const dynamodb = await startLocalDynamoDb();
  const emulator = await startSecretsManagerEmulator({ rateLimits: NO_THROTTLE, ...options });
  const setup = dynamodb.client();
  // Only "no such secret / label" reads as nothing; any other failure, and a value that is not an
  // envelope, throws, so no assertion compares against a reading that quietly came back empty.
  const readVersion = (secretId: string, label: string) => {
    try {
      return emulator.model.getSecretValue({ SecretId: secretId, VersionStage: label });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
  const current = (secretId: string, label = 'AWSCURRENT'): { versionId: string; generation: number } | undefined => {
    const output = readVersion(secretId, label);
    if (output === undefined) return undefined;
    if (output.VersionId === undefined) throw new Error(`${label} of ${secretId} came back without a VersionId`);
    const { generation } = envelopeCodec.decode(output.SecretString ?? '');
    if (generation === undefined) throw new Error(`${label} of ${secretId} holds an envelope without a generation`);
    return { versionId: output.VersionId, generation };
  };
  return {
    emulator,
    dynamodb,
    current,
    async table() {
      const tableName = uniqueTableName('refresher');
      await ensureLockTable({ client: setup, tableName });
      return tableName;
    },
    secretName(prefix = 'token') {
      secretCounter += 1;
      return `test/${prefix}-${process.pid}-${secretCounter}`;
    },
    watchCurrent(secretId) {
      const history: number[] = [];
      const model = emulator.model;
      const observe = (): void => {
        const generation = current(secretId)?.generation;
        if (generation !== undefined && history.at(-1) !== generation) history.push(generation);
      };
      for (const method of ['putSecretValue', 'updateSecretVersionStage', 'updateSecret'] as const) {
        const original = model[method].bind(model) as (input: never) => unknown;
        (model as unknown as Record<string, unknown>)[method] = (input: never) => {
          try {
            return original(input);
          } finally {
            observe();
          }
        };
      }
      return history;
    },
    versions(secretId) {
      let listed: ReturnType<typeof emulator.model.listSecretVersionIds>;
      try {
        listed = emulator.model.listSecretVersionIds({ SecretId: secretId, IncludeDeprecated: true, MaxResults: 100 });
      } catch (error) {
        if (isNotFound(error)) return [];
        throw error;
      }
      return (listed.Versions ?? []).map((version) => {
        if (version.VersionId === undefined) throw new Error(`${secretId} lists a version without a VersionId`);
        return { versionId: version.VersionId, stages: version.VersionStages ?? [] };
      });
    },
    async close() {
      await emulator.close();
      await dynamodb.close();
    },
  };
}

/** New counted clients pointed at the stack (one set per simulated process). */
export function clientsFor(stack: RefresherStack, options: { maxAttempts?: number } = {}): Clients {
  const counter = new SdkCallCounter();
  const secretsManager = counter.attach(new SecretsManagerClient({ ...LOCAL_AWS, endpoint: stack.emulator.endpoint, ...options }));
  const dynamodb = counter.attach(stack.dynamodb.client(options));
  return { secretsManager, dynamodb, counter };
}

/** A refresh function that mints distinct tokens and remembers them (to scan output for leaks). */
export interface Issuer {
  refresh: NonNullable<TokenRefresherOptions['refresh']>;
  /** Every token minted, in order. */
  readonly minted: string[];
  /** Replaces the behaviour of the next calls (throw, hang, garbage…); `undefined` restores minting. */
  behave(next: ((context: Parameters<TokenRefresherOptions['refresh']>[0]) => unknown) | undefined): void;
}

/**
 * A counting in-process issuer whose tokens live `lifetimeMs` on `clock`.
 *
 * @example
 * ```ts
 * const issuer = countingIssuer(clock, 3_600_000);
 * new TokenRefresher({ …, refresh: issuer.refresh });
 * ```
 */
export function countingIssuer(clock: { now(): number }, lifetimeMs: number): Issuer {
  const minted: string[] = [];
  let behaviour: ((context: Parameters<TokenRefresherOptions['refresh']>[0]) => unknown) | undefined;
  return {
    minted,
    behave(next) {
      behaviour = next;
    },
    async refresh(context) {
      if (behaviour !== undefined) return (await behaviour(context)) as never;
      const token = `tok-${process.pid}-${Math.random().toString(36).slice(2)}-${minted.length + 1}`;
      minted.push(token);
      return { token, expiresAt: clock.now() + lifetimeMs };
    },
  };
}

/** Everything a refresher said: events and log lines, for assertions and leak scans. */
export interface Recorder {
  events: RefresherEvent[];
  logs: string[];
  of<T extends RefresherEvent['type']>(type: T): Array<Extract<RefresherEvent, { type: T }>>;
  /** Resolves with the next event of this type (or the `count`-th overall, counting those already seen). */
  next<T extends RefresherEvent['type']>(type: T, count?: number): Promise<Extract<RefresherEvent, { type: T }>>;
  logger: NonNullable<TokenRefresherOptions['logger']>;
  onEvent(event: RefresherEvent): void;
}

export function recorder(): Recorder {
  const events: RefresherEvent[] = [];
  const logs: string[] = [];
  const waiters: Array<{ type: string; count: number; resolve: (event: RefresherEvent) => void }> = [];
  const seen = (type: string): number => events.filter((event) => event.type === type).length;
  const log =
    (level: string) =>
    (message: string, ...attributes: unknown[]): void => {
      logs.push(`${level} ${message} ${JSON.stringify(attributes)}`);
    };
  return {
    events,
    logs,
    of: (type) => events.filter((event) => event.type === type) as never,
    next(type, count) {
      const target = count ?? seen(type) + 1;
      const already = events.filter((event) => event.type === type)[target - 1];
      if (already !== undefined) return Promise.resolve(already as never);
      return new Promise((resolve) => waiters.push({ type, count: target, resolve: resolve as (event: RefresherEvent) => void }));
    },
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    onEvent(event) {
      events.push(event);
      for (const waiter of [...waiters]) {
        if (waiter.type === event.type && seen(event.type) >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(event);
        }
      }
    },
  };
}

/** Requests made since `before`, by operation (only those that changed). */
export function requestsSince(counter: SdkCallCounter, before: Record<string, number>): Record<string, number> {
  const now = counter.snapshot().attempts;
  return Object.fromEntries(
    Object.entries(now)
      .map(([operation, count]): [string, number] => [operation, count - (before[operation] ?? 0)])
      .filter(([, count]) => count > 0),
  );
}

/** The parts of a refresher test: clock, issuer, clients, recorder, and the refresher itself. */
export interface Rig {
  refresher: TokenRefresher;
  clock: OffsetClock;
  issuer: Issuer;
  clients: Clients;
  record: Recorder;
}

/** A rig's refresher options: the stack supplies the clients; a `lock` replaces the rig's lease lock on `lockTable`. */
export type RigOptions = Partial<RefresherCoreOptions> & {
  secretId: string;
  lockTable?: string;
  lockOptions?: LockTableOptions['lockOptions'];
  lock?: RefreshLock;
};

function requireLockTable(lockTable: string | undefined): string {
  if (lockTable === undefined) throw new Error('makeRig needs a lockTable or a lock.');
  return lockTable;
}

/**
 * Builds a TokenRefresher on the stack with an offset clock, counted clients, a counting issuer
 * and a recorder. `share` reuses another rig's clock and issuer (a second process on the same secret).
 *
 * @example
 * ```ts
 * const rig = makeRig(stack, { secretId, lockTable });
 * await rig.refresher.getToken();
 * ```
 */
export function makeRig(stack: RefresherStack, options: RigOptions, share?: { clock?: OffsetClock; issuer?: Issuer; lifetimeMs?: number }): Rig {
  const clock = share?.clock ?? new OffsetClock();
  const issuer = share?.issuer ?? countingIssuer(clock, share?.lifetimeMs ?? 3_600_000);
  const clients = clientsFor(stack);
  const record = recorder();
  const { lock, lockTable, lockOptions, ...core } = options;
  const lockChoice: LockTableOptions | ReadyLockOptions =
    lock === undefined
      ? { lockTable: requireLockTable(lockTable), dynamodb: clients.dynamodb, ...(lockOptions === undefined ? {} : { lockOptions }) }
      : { lock };
  const refresher = new TokenRefresher({
    refresh: issuer.refresh,
    secretsManager: clients.secretsManager,
    clock,
    logger: record.logger,
    onEvent: record.onEvent,
    ...core,
    ...lockChoice,
  });
  return { refresher, clock, issuer, clients, record };
}

/** A refresh held inside the identity-provider call, so a test can act while it is in flight. */
export interface HeldRefresh {
  /** Resolves once the held refresh has been called (the refresher holds the lease). */
  readonly started: Promise<void>;
  /** Lets the held refresh return. */
  release(): void;
}

/**
 * Makes the rig's next refresh wait until `release()` is called, then return `token` (living
 * `lifetimeMs` on the rig's clock) or, without one, a token minted as usual. Later refreshes mint as
 * usual. Rigs that share the issuer share the hold.
 *
 * @example
 * ```ts
 * const held = holdNextRefresh(rig, { token: 'tok-slow' });
 * const slow = rig.refresher.getToken();
 * await held.started;
 * // … act while the refresh is in flight …
 * held.release();
 * ```
 */
export function holdNextRefresh(rig: Pick<Rig, 'issuer' | 'clock'>, options: { token?: string; lifetimeMs?: number } = {}): HeldRefresh {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  rig.issuer.behave(async (context) => {
    markStarted();
    await released;
    rig.issuer.behave(undefined);
    if (options.token === undefined) return rig.issuer.refresh(context);
    return { token: options.token, expiresAt: rig.clock.now() + (options.lifetimeMs ?? 3_600_000) };
  });
  return { started, release };
}
