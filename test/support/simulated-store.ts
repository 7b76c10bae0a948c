import { LockUnavailableError } from '../../src/lock/errors.js';
import type { MemoryLockStore } from '../../src/lock/memory-store.js';
import type { LockRecord } from '../../src/lock/record.js';
import type { AcquireWrite, LockStore, ReleaseWrite, RenewWrite, WriteOutcome } from '../../src/lock/store.js';
import type { Clock } from '../../src/shared/clock.js';
import type { VirtualTime } from './virtual-time.js';

/** What the network does to one request. */
export type NetworkFault =
  /** Delivered both ways. */
  | 'none'
  /** Never reaches the table (5xx, connection reset): not applied, the caller sees an error. */
  | 'failBefore'
  /** Throttled by the table: not applied, the caller sees a throttling error. */
  | 'throttle'
  /** Applied, then the response is lost: the caller sees an error. */
  | 'dropResponse'
  /** Applied, response lost, and the SDK's retry is applied again: the caller sees the retry's result. */
  | 'sdkRetry';

export type Operation = 'read' | 'acquire' | 'renew' | 'release';

/** One write as applied to the table, for checkers. */
export interface AppliedWrite {
  at: number;
  operation: Exclude<Operation, 'read'>;
  rvn: string;
  applied: boolean;
  record: LockRecord | undefined;
}

/**
 * Where a simulated request lands: the shared table itself, or one Region's endpoint of a global
 * table. A request the endpoint refuses throws a `LockUnavailableError` (not applied), which the
 * caller receives as the service's error.
 */
export type TableEndpoint = Pick<MemoryLockStore, 'peek' | 'applyAcquire' | 'applyRenew' | 'applyRelease'>;

export interface SimulatedStoreOptions {
  time: VirtualTime;
  table: TableEndpoint;
  /** The calling process's clock: responses are delivered through it, so a paused process gets them late and a dead one never. */
  clock: Clock;
  /** One-way latency in true ms. Default 0. */
  latency?: () => number;
  /** The fate of each request. Default `none`. */
  fault?: (operation: Operation) => NetworkFault;
  /** Observes every write the table applied or refused. */
  onWrite?: (write: AppliedWrite) => void;
}

/**
 * A {@link LockStore} over a shared in-memory table as seen through a network under virtual time:
 * latency each way, requests that never arrive, responses that get lost after the write applied,
 * and SDK retries that apply a write twice. An endpoint that refuses a request (another Region's
 * conflicting write, an unreachable Region) has its error delivered like any other response.
 */
export class SimulatedStore implements LockStore {
  readonly #options: SimulatedStoreOptions;

  constructor(options: SimulatedStoreOptions) {
    this.#options = options;
  }

  read(name: string): Promise<LockRecord | undefined> {
    return this.#request(name, 'read', () => this.#options.table.peek(name));
  }

  acquire(write: AcquireWrite): Promise<WriteOutcome> {
    return this.#write(write.name, 'acquire', write.rvn, () => this.#options.table.applyAcquire(write));
  }

  renew(write: RenewWrite): Promise<WriteOutcome> {
    return this.#write(write.name, 'renew', write.rvn, () => this.#options.table.applyRenew(write));
  }

  release(write: ReleaseWrite): Promise<WriteOutcome> {
    return this.#write(write.name, 'release', write.rvn, () => this.#options.table.applyRelease(write));
  }

  #write(name: string, operation: Exclude<Operation, 'read'>, rvn: string, apply: () => WriteOutcome): Promise<WriteOutcome> {
    return this.#request(name, operation, () => {
      const outcome = apply();
      this.#options.onWrite?.({ at: this.#options.time.now, operation, rvn, applied: outcome.applied, record: outcome.record });
      return outcome;
    });
  }

  #request<T>(name: string, operation: Operation, apply: () => T): Promise<T> {
    const { time, clock } = this.#options;
    const latency = this.#options.latency ?? (() => 0);
    const fault = this.#options.fault?.(operation) ?? 'none';
    return new Promise<T>((resolve, reject) => {
      // The response travels for one latency and is then handled by the process, unless it is paused (later) or dead (never).
      const deliver = (settle: () => void): void => {
        clock.schedule(settle, latency());
      };
      const failure = (kind: 'throttled' | 'unknown'): Error =>
        new LockUnavailableError(name, kind, { cause: Object.assign(new Error(`simulated ${fault}`), { name: 'SimulatedFault' }) });
      // What the endpoint answers when the request reaches it: a result, or its refusal (not applied).
      const arrive = (): (() => void) => {
        try {
          const result = apply();
          return () => resolve(result);
        } catch (error) {
          if (!(error instanceof LockUnavailableError)) throw error;
          return () => reject(error);
        }
      };
      time.at(latency(), () => {
        switch (fault) {
          case 'failBefore':
            deliver(() => reject(failure('unknown')));
            return;
          case 'throttle':
            deliver(() => reject(failure('throttled')));
            return;
          case 'dropResponse':
            arrive();
            deliver(() => reject(failure('unknown')));
            return;
          case 'sdkRetry':
            arrive();
            time.at(2 * latency(), () => deliver(arrive()));
            return;
          case 'none':
            deliver(arrive());
        }
      });
    });
  }
}
