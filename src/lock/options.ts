import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock } from '../shared/clock.js';
import { systemClock } from '../shared/clock.js';
import { ConfigurationError } from '../shared/errors.js';
import { checkFunction, checkNumber, DAY_MS, invalidOption } from '../shared/option-checks.js';
import type { LockEvent } from './events.js';
import type { LockStore } from './store.js';

/**
 * Options for {@link LeaseLock}. Give either `client` and `tableName`, or a `store`.
 *
 * The timing options relate like this: a lease of `leaseMs` is renewed every `heartbeatMs`; if no
 * renewal succeeds, the lease's signal aborts `dangerMs` before the lease could expire for others.
 * `leaseMs` must exceed `2 × heartbeatMs` and `heartbeatMs + dangerMs`.
 *
 * @example
 * ```ts
 * const options: LeaseLockOptions = {
 *   client: new DynamoDBClient({}),
 *   tableName: 'token-locks',
 *   leaseMs: 15_000,          // heartbeat 5 s, danger 3 s, poll 1 s by default
 *   onEvent: (event) => metrics.count(`lock.${event.type}`),
 * };
 * ```
 */
export interface LeaseLockOptions {
  /** The DynamoDB client (with Region and credentials). */
  client?: DynamoDBClient;
  /** The lock table: string partition key `pk`, no sort key (see `ensureLockTable`). */
  tableName?: string;
  /** A custom store instead of `client` + `tableName`, e.g. a `MemoryLockStore`. */
  store?: LockStore;
  /** How long a lease lasts without renewal. Default 10 000 ms. */
  leaseMs?: number;
  /** Background renewal period while a lease is held, or `false` for none. Default `leaseMs / 3`. Must be under `leaseMs / 2`. */
  heartbeatMs?: number | false;
  /** How long before its remote expiry an unrenewed lease aborts its signal. Default `leaseMs / 5`. */
  dangerMs?: number;
  /** How often a waiting contender reads the item (jittered between half and all of it). Default `leaseMs / 10`, 20 ms to 1 s. */
  pollMs?: number;
  /**
   * Opt-in fast takeover: trust the holder's wall-clock `expiresAt` when it is more than this many ms
   * in the past. Only safe if no two hosts' clocks differ by more. Default: off (strict takeover after
   * watching the record unchanged for a full lease).
   */
  maxClockSkewMs?: number;
  /** Store a TTL attribute (epoch seconds) this many seconds past the lease's expiry, for cleanup. Default `false`. */
  ttlSeconds?: number | false;
  /** This process's identity in the item. Default `hostname:pid:random`. */
  ownerId?: string;
  /** Time source. Default the system clock. */
  clock?: Clock;
  /** Uniform random numbers in [0, 1) for jitter. Default `Math.random`. */
  random?: () => number;
  /** Receives the lock's typed events. Exceptions it throws are ignored. */
  onEvent?: (event: LockEvent) => void;
  /** How many locks' observations (for takeover timing) to remember. Default 1 000. */
  observationCapacity?: number;
}

/** The timing of one lease, derived from the options and the per-call `leaseMs`. */
export interface LeaseTiming {
  leaseMs: number;
  heartbeatMs: number | false;
  dangerMs: number;
}

/** The validated options other than the store: what {@link checkTuning} returns. */
export type TunedOptions = Omit<ResolvedOptions, 'store'>;

/** The validated options. */
export interface ResolvedOptions {
  store: LockStore;
  timing: (leaseMs?: number) => LeaseTiming;
  defaultLeaseMs: number;
  pollMs: number;
  maxClockSkewMs: number | undefined;
  ttlSeconds: number | false;
  ownerId: string;
  clock: Clock;
  random: () => number;
  onEvent: ((event: LockEvent) => void) | undefined;
  observationCapacity: number;
}

/**
 * Checks the options other than where the items live, for a caller that has checked its client and
 * table itself (the refresher, which validates a lock's options in its constructor while the lock's
 * code loads with its first use).
 *
 * @example
 * ```ts
 * checkTuning({ leaseMs: 1_000, heartbeatMs: 500 }); // throws: leaseMs (1000) must be more than twice heartbeatMs (500)…
 * ```
 */
export function checkTuning(options: Omit<LeaseLockOptions, 'client' | 'tableName' | 'store'>): TunedOptions {
  const defaultLeaseMs = duration('leaseMs', options.leaseMs ?? 10_000);
  const timing = timingOf(options, defaultLeaseMs);
  timing();
  const pollMs = options.pollMs === undefined ? Math.min(1_000, Math.max(20, Math.floor(defaultLeaseMs / 10))) : duration('pollMs', options.pollMs);
  const ttlSeconds = options.ttlSeconds ?? false;
  const ownerId = options.ownerId ?? `${hostname()}:${process.pid}:${randomBytes(6).toString('hex')}`;
  if (typeof ownerId !== 'string' || ownerId.length === 0 || ownerId.length > 256)
    throw invalidOption('ownerId', 'a string of 1 to 256 characters', ownerId);
  return {
    timing,
    defaultLeaseMs,
    pollMs,
    maxClockSkewMs:
      options.maxClockSkewMs === undefined
        ? undefined
        : checkNumber('maxClockSkewMs', options.maxClockSkewMs, { min: 0, unit: 'milliseconds', note: 'omit it for strict, clock-free takeover' }),
    ttlSeconds:
      ttlSeconds === false ? false : checkNumber('ttlSeconds', ttlSeconds, { min: 1, whole: true, unit: 'seconds', note: 'or false for none' }),
    ownerId,
    clock: options.clock ?? systemClock,
    random: checkFunction('random', options.random) ?? Math.random,
    onEvent: checkFunction('onEvent', options.onEvent),
    observationCapacity: checkNumber('observationCapacity', options.observationCapacity ?? 1_000, { min: 1, whole: true }),
  };
}

/**
 * The timing of a lease of any length, checked when it is asked for: a per-call `leaseMs` must leave
 * room for the heartbeat and the danger window as the default does.
 */
function timingOf(options: Pick<LeaseLockOptions, 'heartbeatMs' | 'dangerMs'>, defaultLeaseMs: number): (leaseMs?: number) => LeaseTiming {
  const heartbeatOption = options.heartbeatMs;
  if (heartbeatOption !== undefined && heartbeatOption !== false) duration('heartbeatMs', heartbeatOption);
  if (options.dangerMs !== undefined) duration('dangerMs', options.dangerMs);
  return (leaseMs: number = defaultLeaseMs): LeaseTiming => {
    const heartbeatMs = heartbeatOption === undefined ? Math.max(1, Math.floor(leaseMs / 3)) : heartbeatOption;
    const dangerMs = options.dangerMs ?? Math.max(1, Math.floor(leaseMs / 5));
    if (heartbeatMs !== false && leaseMs <= 2 * heartbeatMs) {
      throw new ConfigurationError(
        `leaseMs (${leaseMs}) must be more than twice heartbeatMs (${heartbeatMs}) so that one lost renewal does not lose the lease: ` +
          `raise leaseMs or lower heartbeatMs (default leaseMs / 3).`,
      );
    }
    if (dangerMs >= leaseMs) {
      throw new ConfigurationError(`dangerMs (${dangerMs}) must be less than leaseMs (${leaseMs}): lower dangerMs (default leaseMs / 5).`);
    }
    if (heartbeatMs !== false && heartbeatMs + dangerMs >= leaseMs) {
      throw new ConfigurationError(
        `heartbeatMs (${heartbeatMs}) + dangerMs (${dangerMs}) must be less than leaseMs (${leaseMs}), or a healthy lease would abort ` +
          `before its first renewal: raise leaseMs or lower one of them.`,
      );
    }
    return { leaseMs, heartbeatMs, dangerMs };
  };
}

/** Validates a duration option: a whole number of ms in (0, 24 h]. */
export function duration(name: string, value: unknown): number {
  return checkNumber(name, value, { min: 1, max: DAY_MS, whole: true, unit: 'milliseconds' });
}
