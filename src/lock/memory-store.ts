import type { AttributeUpdate, LockRecord } from './record.js';
import type { AcquireWrite, LockStore, ReleaseWrite, RenewWrite, WriteOutcome } from './store.js';

/**
 * The lock table's conditional-write semantics in memory: the same conditions, the same fence and
 * epoch rules, no I/O. Unit tests use it directly; the fleet simulation wraps it with latency and
 * faults under virtual time. Each method applies atomically, as one DynamoDB item write does.
 *
 * @example
 * ```ts
 * const lock = new LeaseLock({ store: new MemoryLockStore(), leaseMs: 1_000 });
 * const outcome = await lock.tryAcquire('job');
 * ```
 */
export class MemoryLockStore implements LockStore {
  readonly #items = new Map<string, LockRecord>();

  /** The stored record, synchronously (for checkers and tests). */
  peek(name: string): LockRecord | undefined {
    const record = this.#items.get(name);
    return record === undefined ? undefined : copy(record);
  }

  /** Replaces or deletes an item outside the protocol, as another tool (or a table re-creation) would. */
  put(name: string, record: LockRecord | undefined): void {
    if (record === undefined) this.#items.delete(name);
    else this.#items.set(name, copy(record));
  }

  read(name: string): Promise<LockRecord | undefined> {
    return Promise.resolve(this.peek(name));
  }

  acquire(write: AcquireWrite): Promise<WriteOutcome> {
    return Promise.resolve(this.applyAcquire(write));
  }

  renew(write: RenewWrite): Promise<WriteOutcome> {
    return Promise.resolve(this.applyRenew(write));
  }

  release(write: ReleaseWrite): Promise<WriteOutcome> {
    return Promise.resolve(this.applyRelease(write));
  }

  /** {@link acquire} without the promise, for schedulers that control when a write lands. */
  applyAcquire(write: AcquireWrite): WriteOutcome {
    const current = this.#items.get(write.name);
    const allowed =
      current?.owner === undefined ||
      (current.rvn !== undefined &&
        (write.ownRvns.includes(current.rvn) || (write.takeoverRvn !== undefined && current.rvn === write.takeoverRvn))) ||
      (write.expiredBefore !== undefined && current.expiresAt !== undefined && current.expiresAt < write.expiredBefore);
    if (!allowed) return refused(current);
    const next: LockRecord = {
      name: write.name,
      owner: write.owner,
      rvn: write.rvn,
      fence: (current?.fence ?? 0) + 1,
      epoch: current?.epoch ?? write.epoch,
      leaseMs: write.leaseMs,
      expiresAt: write.expiresAt,
      attributes: { ...current?.attributes },
    };
    const ttl = write.ttl ?? current?.ttl;
    if (ttl !== undefined) next.ttl = ttl;
    return this.#store(next);
  }

  /** {@link renew} without the promise. */
  applyRenew(write: RenewWrite): WriteOutcome {
    const current = this.#items.get(write.name);
    if (current?.owner !== write.owner || current.rvn === undefined || !write.expectedRvns.includes(current.rvn)) {
      return refused(current);
    }
    const next: LockRecord = {
      ...current,
      rvn: write.rvn,
      leaseMs: write.leaseMs,
      expiresAt: write.expiresAt,
      attributes: merge(current.attributes, write.attributes),
    };
    if (write.ttl !== undefined) next.ttl = write.ttl;
    return this.#store(next);
  }

  /** {@link release} without the promise. */
  applyRelease(write: ReleaseWrite): WriteOutcome {
    const current = this.#items.get(write.name);
    if (current?.rvn === undefined || !write.expectedRvns.includes(current.rvn)) return refused(current);
    const { owner: _owner, leaseMs: _leaseMs, ...kept } = current;
    const next: LockRecord = { ...kept, rvn: write.rvn, expiresAt: 0, attributes: merge(current.attributes, write.attributes) };
    if (write.ttl !== undefined) next.ttl = write.ttl;
    return this.#store(next);
  }

  #store(record: LockRecord): WriteOutcome {
    this.#items.set(record.name, record);
    return { applied: true, record: copy(record) };
  }
}

function refused(current: LockRecord | undefined): WriteOutcome {
  return { applied: false, record: current === undefined ? undefined : copy(current) };
}

function merge(attributes: LockRecord['attributes'], update: AttributeUpdate | undefined): LockRecord['attributes'] {
  const merged = { ...attributes };
  for (const [name, value] of Object.entries(update ?? {})) {
    if (value === null) delete merged[name];
    else merged[name] = value;
  }
  return merged;
}

function copy(record: LockRecord): LockRecord {
  return { ...record, attributes: { ...record.attributes } };
}
