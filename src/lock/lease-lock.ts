import { randomUUID } from 'node:crypto';
import { ConfigurationError } from '../shared/errors.js';
import { LockError, LockTimeoutError, LockUnavailableError } from './errors.js';
import type { LockEvent } from './events.js';
import { HeldLease, type Lease, type LeaseContext } from './lease.js';
import { ObservationLog } from './observations.js';
import { DynamoDbLockStore } from './dynamodb-store.js';
import { checkOptions } from './check-options.js';
import { duration, type LeaseLockOptions, type LeaseTiming, type ResolvedOptions } from './options.js';
import { validateLockName, type AttributeValue, type LockRecord } from './record.js';
import type { WriteOutcome } from './store.js';

/**
 * A lock as a reader sees it. Never carries secrets: `attributes` holds the non-secret commit record.
 *
 * @example
 * ```ts
 * const state = await lock.inspect('token#acme');
 * if (state?.holder === undefined) console.log(`free; generation ${state?.attributes.generation}`);
 * ```
 */
export interface LockState {
  name: string;
  /** The current holder's owner id; absent when the lock is free. */
  holder?: string;
  /** The fence of the last acquire (0 if never acquired). */
  fence: number;
  /** The item's epoch ('' if the item does not exist yet). */
  epoch: string;
  /** The holder's promised lease. */
  leaseMs?: number;
  /** The holder's wall-clock expiry in epoch ms (informational: clocks differ between hosts). */
  expiresAt?: number;
  /** The committed, non-secret attributes. */
  attributes: Record<string, AttributeValue>;
}

/**
 * The result of an acquire: a lease, or the state of a lock someone else holds.
 *
 * @example
 * ```ts
 * const outcome = await lock.tryAcquire('token#acme');
 * if (outcome.acquired) await outcome.lease.release();
 * else console.log(`held by ${outcome.state.holder}`);
 * ```
 */
export type AcquireOutcome = { acquired: true; lease: Lease } | { acquired: false; state: LockState };

/** Options for {@link LeaseLock.tryAcquire}. */
export interface TryAcquireOptions {
  /** This lease's length, instead of the lock's `leaseMs`. */
  leaseMs?: number;
}

/** Options for {@link LeaseLock.acquire}. */
export interface AcquireOptions extends TryAcquireOptions {
  /** Aborting it rejects the acquire with `signal.reason` at once (a lease won meanwhile is released). */
  signal?: AbortSignal;
  /**
   * Give up with {@link LockTimeoutError} after this many ms, requests in flight included (a lease
   * they win afterwards is released). Default 30 000; `Infinity` waits for the signal.
   */
  timeoutMs?: number;
  /**
   * Called with every state read while waiting; returning `true` stops waiting and resolves
   * `{ acquired: false, state }` (e.g. once the awaited work has been committed by someone else).
   */
  stopWhen?: (state: LockState) => boolean;
}

/**
 * What `withLock` hands the protected function.
 *
 * @example
 * ```ts
 * await lock.withLock('job', async ({ signal, fence, remainingMs }) => {
 *   if (remainingMs() < 2_000) return;            // too little time left to start
 *   await fetch(url, { signal, headers: { 'x-fence': String(fence) } });
 * });
 * ```
 */
export interface LockContext {
  /** Aborts before the lease could expire for others (see {@link Lease.signal}). */
  signal: AbortSignal;
  fence: number;
  epoch: string;
  /** Ms until `signal` aborts unless a renewal succeeds. */
  remainingMs(): number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** Acquire writes of unknown outcome remembered per lock: enough to adopt the one that landed. */
const MAX_PENDING_WRITES = 5;

interface PendingWrite {
  rvn: string;
  startedAt: number;
}

type Attempt = { acquired: true; lease: HeldLease } | { acquired: false; state: LockState; record: LockRecord | undefined };

/**
 * A lease lock on DynamoDB: one item per lock name, fenced, renewed in the background, safe under
 * lost responses and SDK retries, and taken over without trusting clocks.
 *
 * An uncontended acquire costs one write and a release one more; contenders wait with reads and
 * write only once the holder has released or has not renewed for a full lease.
 *
 * @example
 * ```ts
 * const lock = new LeaseLock({ client: new DynamoDBClient({}), tableName: 'locks', leaseMs: 10_000 });
 * const generation = await lock.withLock('token#acme', async ({ signal, fence }) => {
 *   return refreshToken({ signal, fence });
 * });
 * await lock.close();
 * ```
 */
export class LeaseLock implements AsyncDisposable {
  readonly #options: ResolvedOptions;
  readonly #observations: ObservationLog;
  readonly #pending = new Map<string, PendingWrite[]>();
  readonly #leases = new Set<HeldLease>();
  #closed = false;

  constructor(options: LeaseLockOptions) {
    const { storeSource, ...checked } = checkOptions(options);
    this.#options = { ...checked, store: storeSource.kind === 'store' ? storeSource.store : new DynamoDbLockStore(storeSource) };
    this.#observations = new ObservationLog(this.#options.observationCapacity);
  }

  /** This process's owner id, as stored in the items it holds. */
  get ownerId(): string {
    return this.#options.ownerId;
  }

  /**
   * One attempt, no waiting: one conditional write when the lock is free (or abandoned long enough),
   * and its state when it is not. Repeated calls converge on an abandoned lock: each remembers what it saw.
   * When this process last saw the lock held by a version that has not yet stood a full lease, it
   * reads first and writes only if that read shows the lock free or takeover allowed, so polling a
   * live holder with `tryAcquire` costs reads, never failed conditional writes.
   *
   * @example
   * ```ts
   * const outcome = await lock.tryAcquire('token#acme');
   * if (!outcome.acquired) return useCachedToken(outcome.state.attributes);
   * ```
   */
  async tryAcquire(name: string, options: TryAcquireOptions = {}): Promise<AcquireOutcome> {
    const timing = this.#prepare(name, options);
    const { clock, store } = this.#options;
    const progress = { requests: 0, startedAt: clock.monotonic() };
    if (this.#knownHeld(name)) {
      progress.requests += 1;
      const record = await store.read(name);
      this.#observations.observe(name, record, clock.monotonic(), timing.leaseMs);
      if (!this.#writable(name, record)) {
        const state = stateOf(name, record);
        this.#emitContended(name, state);
        return { acquired: false, state };
      }
    }
    const attempt = await this.#attempt(name, timing, progress);
    if (attempt.acquired) return { acquired: true, lease: attempt.lease };
    this.#emitContended(name, attempt.state);
    return { acquired: false, state: attempt.state };
  }

  /**
   * Waits for the lock: one write first, then consistent reads every `pollMs` (jittered) until it is
   * released or abandoned, then one write. Rejects with {@link LockTimeoutError} after `timeoutMs`
   * and with `signal.reason` on abort.
   *
   * @example
   * ```ts
   * const outcome = await lock.acquire('token#acme', {
   *   timeoutMs: 15_000,
   *   stopWhen: (state) => Number(state.attributes.generation) > seen,
   * });
   * ```
   */
  async acquire(name: string, options: AcquireOptions = {}): Promise<AcquireOutcome> {
    const timing = this.#prepare(name, options);
    const { signal, stopWhen } = options;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (timeoutMs !== Infinity && (!Number.isInteger(timeoutMs) || timeoutMs < 1)) {
      throw new ConfigurationError(
        `timeoutMs must be a whole number of milliseconds >= 1, or Infinity, got ${String(timeoutMs)}: use tryAcquire() for a single attempt.`,
      );
    }
    if (stopWhen !== undefined && typeof stopWhen !== 'function') throw new ConfigurationError('stopWhen must be a function.');
    signal?.throwIfAborted();
    const { clock, store } = this.#options;
    const progress = { requests: 0, startedAt: clock.monotonic() };
    const deadline = progress.startedAt + timeoutMs;
    let state: LockState | undefined;
    let lastError: unknown;
    // A lock this process already saw held (e.g. by a tryAcquire just before) is read first: no failed write.
    let writable = !this.#knownHeld(name);
    let contended = false;
    for (;;) {
      if (writable) {
        try {
          const attempt = await this.#interruptible(this.#attempt(name, timing, progress), signal, deadline, name, timeoutMs, state);
          if (attempt.acquired) return { acquired: true, lease: attempt.lease };
          state = attempt.state;
          if (!contended) this.#emitContended(name, state);
          contended = true;
          if (stopWhen?.(state)) return { acquired: false, state };
        } catch (error) {
          if (!(error instanceof LockUnavailableError)) throw error;
          lastError = error;
        }
      }
      const remaining = deadline - clock.monotonic();
      if (remaining <= 0) throw new LockTimeoutError(name, timeoutMs, state?.holder, { cause: lastError });
      await clock.sleep(Math.min(remaining, this.#pollDelay(name)), signal);
      try {
        progress.requests += 1;
        const record = await this.#interruptible(store.read(name, signal), signal, deadline, name, timeoutMs, state);
        this.#observations.observe(name, record, clock.monotonic(), timing.leaseMs);
        state = stateOf(name, record);
        if (!contended && state.holder !== undefined) this.#emitContended(name, state);
        contended ||= state.holder !== undefined;
        if (stopWhen?.(state)) return { acquired: false, state };
        writable = this.#writable(name, record);
      } catch (error) {
        if (!(error instanceof LockUnavailableError)) throw error;
        lastError = error;
        writable = false;
      }
    }
  }

  /**
   * Reads the lock with a consistent read. Never writes, never acquires.
   *
   * @example
   * ```ts
   * const state = await lock.inspect('token#acme');
   * console.log(state?.holder ?? 'free', state?.fence);
   * ```
   */
  async inspect(name: string): Promise<LockState | undefined> {
    validateLockName(name);
    const record = await this.#options.store.read(name);
    this.#observations.observe(name, record, this.#options.clock.monotonic(), this.#options.defaultLeaseMs);
    return record === undefined ? undefined : stateOf(name, record);
  }

  /**
   * Runs `fn` while holding the lock, and releases it afterwards whatever happens. `fn` should stop
   * when its `signal` aborts: the lease is then about to expire for others.
   *
   * @example
   * ```ts
   * await lock.withLock('nightly-report', async ({ signal, fence }) => {
   *   await buildReport({ signal, fence });
   * }, { timeoutMs: 60_000 });
   * ```
   */
  async withLock<T>(name: string, fn: (context: LockContext) => Promise<T>, options: Omit<AcquireOptions, 'stopWhen'> = {}): Promise<T> {
    if (typeof fn !== 'function') throw new ConfigurationError('withLock needs a function to run under the lock.');
    const outcome = await this.acquire(name, { ...options, stopWhen: undefined });
    if (!outcome.acquired) throw new LockError(name, `Lock "${name}" was not acquired.`);
    const lease = outcome.lease;
    try {
      return await fn({ signal: lease.signal, fence: lease.fence, epoch: lease.epoch, remainingMs: () => lease.remainingMs() });
    } finally {
      await lease[Symbol.asyncDispose]();
    }
  }

  /**
   * Releases every lease this lock holds and refuses new acquires. Errors are reported as
   * `releaseFailed` events; the leases then expire on their own.
   *
   * @example
   * ```ts
   * process.once('SIGTERM', () => void lock.close());
   * ```
   */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#leases].map((lease) => lease[Symbol.asyncDispose]()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #prepare(name: string, options: TryAcquireOptions): LeaseTiming {
    if (this.#closed) throw new LockError(String(name), 'This LeaseLock is closed: create a new one.');
    validateLockName(name);
    if (typeof options !== 'object' || options === null) throw new ConfigurationError('Acquire options must be an object.');
    return this.#options.timing(options.leaseMs === undefined ? undefined : duration('leaseMs', options.leaseMs));
  }

  async #attempt(name: string, timing: LeaseTiming, progress: { requests: number; startedAt: number }): Promise<Attempt> {
    const { clock, ownerId } = this.#options;
    const rvn = randomUUID();
    const pending = this.#pending.get(name) ?? [];
    const observed = this.#observations.get(name);
    const takeoverRvn = this.#observations.expiredVersion(name, clock.monotonic());
    const startedAt = clock.monotonic();
    progress.requests += 1;
    const outcome = await this.#writeAcquire(name, timing, { rvn, startedAt, pending, takeoverRvn }, progress);
    const { record } = outcome;
    const ours = outcome.applied ? { rvn, startedAt } : [{ rvn, startedAt }, ...pending].find((write) => write.rvn === record?.rvn);
    if (ours === undefined || record === undefined) {
      this.#observations.observe(name, record, clock.monotonic(), timing.leaseMs);
      return { acquired: false, state: stateOf(name, record), record };
    }
    this.#pending.delete(name);
    this.#observations.forget(name);
    const lease = await this.#holdWon(name, timing, { record, startedAt: ours.startedAt });
    if (observed?.holder !== undefined && observed.holder !== ownerId) {
      this.#emit({
        type: 'takeover',
        name,
        owner: ownerId,
        previousHolder: observed.holder,
        fence: lease.fence,
        mode: takeoverRvn === observed.rvn ? 'strict' : 'clockSkew',
      });
    }
    this.#emit({
      type: 'acquired',
      name,
      owner: ownerId,
      fence: lease.fence,
      epoch: lease.epoch,
      leaseMs: lease.leaseMs,
      requests: progress.requests,
      waitedMs: clock.monotonic() - progress.startedAt,
    });
    return { acquired: true, lease };
  }

  /** The acquire write; one of unknown outcome is resolved by a read and remembered as pending. */
  async #writeAcquire(
    name: string,
    timing: LeaseTiming,
    write: { rvn: string; startedAt: number; pending: PendingWrite[]; takeoverRvn: string | undefined },
    progress: { requests: number },
  ): Promise<WriteOutcome> {
    const { clock, store, ownerId, maxClockSkewMs } = this.#options;
    const { rvn, startedAt, pending, takeoverRvn } = write;
    const now = clock.now();
    const expiredBefore = maxClockSkewMs === undefined ? undefined : now - maxClockSkewMs;
    const expiresAt = now + timing.leaseMs;
    const ttl = this.#ttlFor(expiresAt);
    try {
      return await store.acquire({
        name,
        owner: ownerId,
        rvn,
        ownRvns: [rvn, ...pending.map((pendingWrite) => pendingWrite.rvn)],
        leaseMs: timing.leaseMs,
        expiresAt,
        epoch: randomUUID(),
        ...(ttl === undefined ? {} : { ttl }),
        ...(takeoverRvn === undefined ? {} : { takeoverRvn }),
        ...(expiredBefore === undefined ? {} : { expiredBefore }),
      });
    } catch (error) {
      if (!(error instanceof LockUnavailableError)) throw error;
      this.#pending.set(name, [{ rvn, startedAt }, ...pending].slice(0, MAX_PENDING_WRITES));
      return this.#resolveAcquire(name, error, progress);
    }
  }

  /** The lease our write won, kept only if it still has time left beyond its danger window. */
  async #holdWon(name: string, timing: LeaseTiming, won: { record: LockRecord; startedAt: number }): Promise<HeldLease> {
    const lease = new HeldLease(this.#leaseContext(timing), won.record, won.startedAt);
    if (lease.remainingMs() <= 0) {
      // The write took longer than the lease minus its danger window: the lease is unusable.
      await lease.release().catch(() => undefined);
      throw new LockUnavailableError(name, 'unknown', {
        cause: new Error(`the acquire write took longer than leaseMs - dangerMs (${timing.leaseMs - timing.dangerMs} ms)`),
      });
    }
    this.#leases.add(lease);
    return lease;
  }

  /**
   * After an acquire write of unknown outcome, one consistent read tells what happened: our write
   * (we hold the lock), another holder (truly contended), or a free lock (it did not land: the error
   * stands, and the next attempt adopts the write should it land late).
   */
  async #resolveAcquire(name: string, error: LockUnavailableError, progress: { requests: number }): Promise<WriteOutcome> {
    let record: LockRecord | undefined;
    try {
      progress.requests += 1;
      record = await this.#options.store.read(name);
    } catch {
      throw error;
    }
    if (record?.owner === undefined) throw error;
    return { applied: false, record };
  }

  /** Whether the last observation shows the lock held by a version that has not yet stood a full lease. */
  #knownHeld(name: string): boolean {
    const observation = this.#observations.get(name);
    if (observation === undefined) return false;
    if (this.#observations.expiredVersion(name, this.#options.clock.monotonic()) !== undefined) return false;
    return !(this.#pending.get(name) ?? []).some((write) => write.rvn === observation.rvn);
  }

  /** Whether a write could succeed now: the lock is free, abandoned long enough, or holds our own unconfirmed write. */
  #writable(name: string, record: LockRecord | undefined): boolean {
    if (record?.owner === undefined) return true;
    const { clock, maxClockSkewMs } = this.#options;
    if (this.#observations.expiredVersion(name, clock.monotonic()) !== undefined) return true;
    if (maxClockSkewMs !== undefined && record.expiresAt !== undefined && record.expiresAt < clock.now() - maxClockSkewMs) return true;
    return (this.#pending.get(name) ?? []).some((write) => write.rvn === record.rvn);
  }

  /**
   * Races a request against the caller's signal and deadline without abandoning it: a lease won by
   * an interrupted attempt is released in the background, so nothing is left held.
   */
  #interruptible<T>(
    work: Promise<T>,
    signal: AbortSignal | undefined,
    deadline: number,
    name: string,
    timeoutMs: number,
    state: LockState | undefined,
  ): Promise<T> {
    if (signal === undefined && deadline === Infinity) return work;
    const { clock } = this.#options;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (): boolean => {
        if (settled) return false;
        settled = true;
        cancelTimer();
        signal?.removeEventListener('abort', onAbort);
        return true;
      };
      const onAbort = (): void => {
        if (finish()) reject(signal?.reason);
      };
      const cancelTimer =
        deadline === Infinity
          ? () => undefined
          : clock.schedule(() => {
              if (finish()) reject(new LockTimeoutError(name, timeoutMs, state?.holder));
            }, deadline - clock.monotonic());
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) onAbort();
      work.then(
        (value) => {
          if (finish()) resolve(value);
          else releaseAbandoned(value);
        },
        (error: unknown) => {
          if (finish()) reject(error);
        },
      );
    });
  }

  #leaseContext(timing: LeaseTiming): LeaseContext {
    return {
      store: this.#options.store,
      clock: this.#options.clock,
      owner: this.#options.ownerId,
      timing,
      emit: (event) => this.#emit(event),
      ttlFor: (expiresAt) => this.#ttlFor(expiresAt),
      ended: (lease) => this.#leases.delete(lease),
    };
  }

  #ttlFor(expiresAt: number): number | undefined {
    const { ttlSeconds } = this.#options;
    return ttlSeconds === false ? undefined : Math.ceil(expiresAt / 1000) + ttlSeconds;
  }

  /**
   * The next read's delay: a jittered poll interval, cut short to read right when the observed
   * version will have stood for a full lease, so that a dead holder is replaced within one lease
   * plus one poll interval of its last write.
   */
  #pollDelay(name: string): number {
    const { pollMs, random, clock } = this.#options;
    const jittered = Math.max(1, Math.round(pollMs * (0.5 + 0.5 * random())));
    const untilExpired = this.#observations.msUntilExpired(name, clock.monotonic());
    return untilExpired !== undefined && untilExpired > 0 ? Math.min(jittered, Math.ceil(untilExpired)) : jittered;
  }

  #emitContended(name: string, state: LockState): void {
    this.#emit({ type: 'contended', name, owner: this.#options.ownerId, holder: state.holder, fence: state.fence });
  }

  #emit(event: LockEvent): void {
    try {
      this.#options.onEvent?.(event);
    } catch {
      // A failing listener must not break the lock it observes.
    }
  }
}

function releaseAbandoned(value: unknown): void {
  const attempt = value as Partial<Attempt> | undefined;
  if (attempt?.acquired === true && attempt.lease !== undefined) void attempt.lease[Symbol.asyncDispose]();
}

function stateOf(name: string, record: LockRecord | undefined): LockState {
  const state: LockState = { name, fence: record?.fence ?? 0, epoch: record?.epoch ?? '', attributes: { ...record?.attributes } };
  if (record?.owner !== undefined) state.holder = record.owner;
  if (record?.leaseMs !== undefined) state.leaseMs = record.leaseMs;
  if (record?.expiresAt !== undefined && record.owner !== undefined) state.expiresAt = record.expiresAt;
  return state;
}
