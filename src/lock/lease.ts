import { randomUUID } from 'node:crypto';
import type { Clock } from '../shared/clock.js';
import { LockLostError, LockUnavailableError, type LockLostReason } from './errors.js';
import type { LockEvent } from './events.js';
import type { LeaseTiming } from './options.js';
import { validateAttributeUpdate, type AttributeUpdate, type AttributeValue, type LockRecord } from './record.js';
import type { LockStore, WriteOutcome } from './store.js';

/**
 * A lease on one lock, held by this process until released, taken over or run out. Renewed in the
 * background (unless `heartbeatMs: false`); operations on one lease run one at a time.
 *
 * @example
 * ```ts
 * const outcome = await lock.tryAcquire('token#acme');
 * if (outcome.acquired) {
 *   await using lease = outcome.lease;          // released on scope exit
 *   await work({ signal: lease.signal, fence: lease.fence });
 *   await lease.commitAndRelease({ generation: 8 });
 * }
 * ```
 */
export interface Lease extends AsyncDisposable {
  readonly name: string;
  /** Increases on every acquire of this lock; never reset by release or takeover. */
  readonly fence: number;
  /** Random id fixed when the lock item was created: (epoch, fence) never repeats, even across table re-creation. */
  readonly epoch: string;
  /** This process's owner id. */
  readonly owner: string;
  readonly leaseMs: number;
  /**
   * Aborts `dangerMs` before the lease could expire for others if renewals fail, when the lease is
   * taken over, or when it is released. Its `reason` is a {@link LockLostError}.
   */
  readonly signal: AbortSignal;
  /** The committed, non-secret attributes as the acquiring write read them back. */
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** Ms until `signal` aborts unless a renewal succeeds: the time the protected work may still use. 0 once over. */
  remainingMs(): number;
  /**
   * Extends the lease by a full `leaseMs`, writing non-secret `attributes` in the same conditional
   * write when given (`null` removes one) — e.g. a write-ahead marker that must be durable before the
   * protected work starts. Rejects with {@link LockLostError} or {@link LockUnavailableError}.
   */
  renew(attributes?: AttributeUpdate): Promise<void>;
  /**
   * Releases the lease: `released` when this call released it, `notHeld` when it had already been
   * released or taken over. Never throws for a lost lease; rejects with {@link LockUnavailableError}
   * when DynamoDB cannot be reached (a retry then recognises a release that did land).
   */
  release(): Promise<'released' | 'notHeld'>;
  /**
   * Writes non-secret attributes and releases, in one conditional write that applies only while this
   * lease still owns the lock (`null` removes an attribute). Rejects with {@link LockLostError} if not.
   */
  commitAndRelease(attributes: AttributeUpdate): Promise<void>;
}

/** What a lease needs from the lock that created it. */
export interface LeaseContext {
  store: LockStore;
  clock: Clock;
  owner: string;
  timing: LeaseTiming;
  emit(event: LockEvent): void;
  /** The TTL attribute value for an item whose lease ends at `expiresAt` (wall ms), if TTL is on. */
  ttlFor(expiresAt: number): number | undefined;
  /** Called once when the lease ends (released or lost), so that the lock forgets it. */
  ended(lease: HeldLease): void;
}

type Phase =
  /** Valid: renewals keep it going. */
  | 'held'
  /** The signal aborted (danger or local expiry); release and commit still try, conditionally. */
  | 'aborted'
  /** Someone else took it over: no more writes. */
  | 'lost'
  /** Released (or found not held at release). */
  | 'ended';

/** Writes of unknown outcome remembered at most: beyond it the lease is long past its danger window. */
const MAX_UNKNOWN_WRITES = 20;

/** The lease implementation; create through {@link LeaseLock}. */
export class HeldLease implements Lease {
  readonly name: string;
  readonly fence: number;
  readonly epoch: string;
  readonly owner: string;
  readonly leaseMs: number;
  readonly attributes: Readonly<Record<string, AttributeValue>>;

  readonly #context: LeaseContext;
  readonly #controller = new AbortController();
  readonly #acquiredAt: number;
  #phase: Phase = 'held';
  #confirmedRvn: string;
  /** Record versions this lease wrote without learning the outcome, with the monotonic time each write started. */
  readonly #unknownRvns = new Map<string, number>();
  /** The version every release attempt leaves behind, so that a repeated release recognises its own. */
  #releaseRvn: string | undefined;
  #validUntil: number;
  #result: 'released' | 'notHeld' | undefined;
  #lostReported = false;
  #releasing = false;
  #tail: Promise<unknown> = Promise.resolve();
  #cancelHeartbeat: (() => void) | undefined;
  #cancelDanger: (() => void) | undefined;
  #cancelExpiry: (() => void) | undefined;

  /**
   * @param record the item as the acquiring write left it
   * @param startedAt monotonic time taken before that write was sent: the lease counts from there
   */
  constructor(context: LeaseContext, record: LockRecord, startedAt: number) {
    this.#context = context;
    this.name = record.name;
    this.fence = record.fence;
    this.epoch = record.epoch ?? '';
    this.owner = context.owner;
    this.leaseMs = context.timing.leaseMs;
    this.attributes = Object.freeze({ ...record.attributes });
    this.#confirmedRvn = record.rvn ?? '';
    this.#acquiredAt = context.clock.monotonic();
    this.#validUntil = startedAt + this.leaseMs;
    this.#armDanger();
    if (context.timing.heartbeatMs !== false) this.#scheduleHeartbeat(context.timing.heartbeatMs);
  }

  get signal(): AbortSignal {
    this.#checkDanger();
    return this.#controller.signal;
  }

  remainingMs(): number {
    this.#checkDanger();
    if (this.#phase !== 'held') return 0;
    return Math.max(0, this.#dangerAt() - this.#context.clock.monotonic());
  }

  renew(attributes?: AttributeUpdate): Promise<void> {
    if (attributes !== undefined) {
      try {
        validateAttributeUpdate(attributes);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const snapshot = attributes === undefined ? undefined : { ...attributes };
    return this.#serialize(() => this.#renew(snapshot));
  }

  release(): Promise<'released' | 'notHeld'> {
    return this.#serialize(() => this.#release(undefined));
  }

  commitAndRelease(attributes: AttributeUpdate): Promise<void> {
    try {
      validateAttributeUpdate(attributes);
    } catch (error) {
      return Promise.reject(error);
    }
    const snapshot = { ...attributes };
    return this.#serialize(async () => {
      if (this.#phase === 'ended') throw new LockLostError(this.name, this.fence, this.#result === 'released' ? 'released' : 'stolen');
      if (this.#phase === 'lost') throw new LockLostError(this.name, this.fence, 'stolen');
      const result = await this.#release(snapshot);
      if (result === 'notHeld') throw new LockLostError(this.name, this.fence, 'stolen');
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.release();
    } catch (error) {
      // The lease expires on its own; disposal must not mask the error that ended the scope.
      this.#emit({ type: 'releaseFailed', fence: this.fence, errorName: error instanceof Error ? error.name : 'Error' });
    }
  }

  /** Whether this lease still believes it holds the lock (valid, not released, not lost). */
  get isHeld(): boolean {
    return this.remainingMs() > 0;
  }

  async #renew(attributes: AttributeUpdate | undefined): Promise<void> {
    this.#checkDanger();
    if (this.#phase !== 'held') throw this.#lostError();
    const { clock, timing } = this.#context;
    const rvn = randomUUID();
    const startedAt = clock.monotonic();
    const expiresAt = clock.now() + timing.leaseMs;
    const ttl = this.#context.ttlFor(expiresAt);
    let outcome: WriteOutcome;
    try {
      outcome = await this.#context.store.renew({
        name: this.name,
        owner: this.owner,
        rvn,
        expectedRvns: [...this.#candidates(), rvn],
        leaseMs: timing.leaseMs,
        expiresAt,
        ...(ttl === undefined ? {} : { ttl }),
        ...(attributes === undefined ? {} : { attributes }),
      });
    } catch (error) {
      if (error instanceof LockUnavailableError) {
        this.#rememberUnknown(rvn, startedAt);
        this.#emit({
          type: 'renewFailed',
          fence: this.fence,
          kind: error.kind,
          errorName: error.cause instanceof Error ? error.cause.name : error.name,
          remainingMs: this.remainingMs(),
        });
      }
      throw error;
    }
    const landed = outcome.applied ? rvn : outcome.record?.rvn;
    if (landed === undefined || !this.#isOurs(landed, rvn)) {
      this.#markStolen(outcome.record);
      throw new LockLostError(this.name, this.fence, 'stolen');
    }
    this.#confirm(landed, landed === rvn ? startedAt : (this.#unknownRvns.get(landed) ?? startedAt));
    this.#checkDanger();
    if (this.#phase !== 'held') throw this.#lostError();
    this.#armDanger();
    this.#emit({ type: 'renewed', fence: this.fence, latencyMs: clock.monotonic() - startedAt });
  }

  async #release(attributes: AttributeUpdate | undefined): Promise<'released' | 'notHeld'> {
    // A second release finds the lease no longer held, whatever the first one found.
    if (this.#result !== undefined) return 'notHeld';
    if (this.#phase === 'lost') return this.#end('notHeld', false);
    this.#releasing = true;
    if (this.#phase === 'held') this.#phase = 'aborted';
    this.#stopTimers();
    this.#abort('released');
    const { clock } = this.#context;
    this.#releaseRvn ??= randomUUID();
    const rvn = this.#releaseRvn;
    const ttl = this.#context.ttlFor(clock.now());
    let outcome: WriteOutcome;
    try {
      outcome = await this.#context.store.release({
        name: this.name,
        rvn,
        expectedRvns: [...this.#candidates(), rvn],
        ...(ttl === undefined ? {} : { ttl }),
        ...(attributes === undefined ? {} : { attributes }),
      });
    } catch (error) {
      outcome = await this.#resolveRelease(error, rvn);
    }
    if (outcome.applied || outcome.record?.rvn === rvn) return this.#end('released', attributes !== undefined);
    this.#markStolen(outcome.record);
    return this.#end('notHeld', false);
  }

  /**
   * After a release of unknown outcome, one consistent read tells what happened: our release version
   * (it landed), another owner's (we had lost it), or still ours (it did not land: the error stands,
   * and a retried release recognises a late landing by the same version).
   */
  async #resolveRelease(error: unknown, rvn: string): Promise<WriteOutcome> {
    if (!(error instanceof LockUnavailableError)) throw error;
    let record: LockRecord | undefined;
    try {
      record = await this.#context.store.read(this.name);
    } catch {
      throw error;
    }
    if (record?.rvn !== undefined && record.rvn !== rvn && this.#candidates().includes(record.rvn)) throw error;
    return { applied: false, record };
  }

  #serialize<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(operation, operation);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  #candidates(): string[] {
    const candidates = [this.#confirmedRvn, ...this.#unknownRvns.keys()];
    if (this.#releaseRvn !== undefined) candidates.push(this.#releaseRvn);
    return candidates;
  }

  #isOurs(rvn: string, attempt: string): boolean {
    return rvn === attempt || rvn === this.#confirmedRvn || this.#unknownRvns.has(rvn);
  }

  #rememberUnknown(rvn: string, startedAt: number): void {
    this.#unknownRvns.set(rvn, startedAt);
    if (this.#unknownRvns.size > MAX_UNKNOWN_WRITES) {
      const oldest = this.#unknownRvns.keys().next().value;
      if (oldest !== undefined) this.#unknownRvns.delete(oldest);
    }
  }

  #confirm(rvn: string, startedAt: number): void {
    // Older writes of unknown outcome were conditioned on versions that no longer stand: they can never land now.
    this.#unknownRvns.clear();
    this.#confirmedRvn = rvn;
    this.#validUntil = Math.max(this.#validUntil, startedAt + this.leaseMs);
  }

  #dangerAt(): number {
    return this.#validUntil - this.#context.timing.dangerMs;
  }

  #armDanger(): void {
    this.#cancelDanger?.();
    const delay = this.#dangerAt() - this.#context.clock.monotonic();
    this.#cancelDanger = this.#context.clock.schedule(() => this.#checkDanger(), Math.max(0, delay));
  }

  /** Moves a held lease into danger once its time has come; timers only make this happen without a caller. */
  #checkDanger(): void {
    if (this.#phase !== 'held') return;
    const now = this.#context.clock.monotonic();
    if (now < this.#dangerAt()) return;
    this.#phase = 'aborted';
    this.#stopTimers();
    this.#emit({ type: 'danger', fence: this.fence });
    this.#abort('expiring');
    const untilExpiry = this.#validUntil - now;
    this.#cancelExpiry = this.#context.clock.schedule(
      () => {
        if (this.#phase === 'aborted') this.#reportLost('expired', undefined);
      },
      Math.max(0, untilExpiry),
    );
  }

  #scheduleHeartbeat(delay: number): void {
    this.#cancelHeartbeat?.();
    this.#cancelHeartbeat = this.#context.clock.schedule(() => {
      this.#cancelHeartbeat = undefined;
      this.renew().then(
        () => this.#phase === 'held' && this.#scheduleHeartbeat(this.#heartbeatMs()),
        () => this.#phase === 'held' && this.#scheduleHeartbeat(Math.max(1, Math.floor(this.#heartbeatMs() / 2))),
      );
    }, delay);
  }

  #heartbeatMs(): number {
    const { heartbeatMs } = this.#context.timing;
    return heartbeatMs === false ? this.leaseMs : heartbeatMs;
  }

  #stopTimers(): void {
    this.#cancelHeartbeat?.();
    this.#cancelDanger?.();
    this.#cancelExpiry?.();
    this.#cancelHeartbeat = this.#cancelDanger = this.#cancelExpiry = undefined;
  }

  #abort(reason: LockLostReason): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(new LockLostError(this.name, this.fence, reason));
  }

  #markStolen(record: LockRecord | undefined): void {
    if (this.#phase === 'ended') return;
    this.#phase = 'lost';
    this.#stopTimers();
    this.#abort('stolen');
    this.#reportLost('stolen', record?.owner);
    this.#context.ended(this);
  }

  #reportLost(reason: 'stolen' | 'expired', holder: string | undefined): void {
    if (this.#lostReported) return;
    this.#lostReported = true;
    this.#emit({ type: 'lost', fence: this.fence, reason, holder });
  }

  #end(result: 'released' | 'notHeld', committed: boolean): 'released' | 'notHeld' {
    this.#result = result;
    this.#phase = 'ended';
    this.#stopTimers();
    this.#abort('released');
    if (result === 'released') {
      this.#emit({ type: 'released', fence: this.fence, committed, heldMs: this.#context.clock.monotonic() - this.#acquiredAt });
    }
    this.#context.ended(this);
    return result;
  }

  #lostError(): LockLostError {
    const reason: LockLostReason =
      this.#releasing || this.#phase === 'ended' ? 'released' : this.#phase === 'lost' ? 'stolen' : this.#lostReported ? 'expired' : 'expiring';
    return new LockLostError(this.name, this.fence, reason);
  }

  #emit(event: DistributiveOmit<LockEvent, 'name' | 'owner'>): void {
    this.#context.emit({ ...event, name: this.name, owner: this.owner } as LockEvent);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
