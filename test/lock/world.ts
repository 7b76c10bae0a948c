import { LeaseLock } from '../../src/lock/lease-lock.js';
import { MemoryLockStore } from '../../src/lock/memory-store.js';
import type { LeaseLockOptions } from '../../src/lock/options.js';
import type { LockEvent } from '../../src/lock/events.js';
import type { LockRecord } from '../../src/lock/record.js';
import { SimulatedStore, type AppliedWrite, type NetworkFault, type Operation, type TableEndpoint } from '../support/simulated-store.js';
import { VirtualTime, type ProcessClockOptions, type VirtualClock } from '../support/virtual-time.js';

/** One simulated process: its clock, its view of the table, its lock, what it saw. */
export interface SimProcess {
  id: string;
  clock: VirtualClock;
  lock: LeaseLock;
  events: Array<LockEvent & { at: number }>;
  writes: AppliedWrite[];
  /** Sets the fate of this process's next requests (default: all delivered). */
  network: { latency: () => number; fault: (operation: Operation) => NetworkFault };
  pause(untilTrueTime: number): void;
  crash(): void;
  readonly dead: boolean;
}

/**
 * Several processes sharing one in-memory lock table under virtual time. Each process has its
 * own clocks (skew, drift), network (latency, faults) and life (pauses, crash).
 *
 * @example
 * ```ts
 * const world = new LockWorld();
 * const a = world.process('a', { leaseMs: 1_000 });
 * const outcome = await world.time.until(a.lock.tryAcquire('job'));
 * ```
 */
export class LockWorld {
  readonly time = new VirtualTime();
  readonly table = new MemoryLockStore();
  readonly processes: SimProcess[] = [];

  /**
   * The table's record of `name`, which must exist: a released lock keeps its item (fence, epoch,
   * attributes), so checking `peek(name)?.owner` would also pass for an item that is missing.
   */
  record(name: string): LockRecord {
    const record = this.table.peek(name);
    if (record === undefined) throw new Error(`the lock table has no item ${name}`);
    return record;
  }

  /**
   * Adds a process. `endpoint` is where its requests land: the table itself by default, or one
   * Region's endpoint of a `MultiRegionTable` over it.
   */
  process(
    id: string,
    options: Omit<LeaseLockOptions, 'store' | 'clock' | 'ownerId'> = {},
    clockOptions: ProcessClockOptions = {},
    endpoint: TableEndpoint = this.table,
  ): SimProcess {
    let pausedUntil: number | undefined;
    let dead = false;
    const events: SimProcess['events'] = [];
    const writes: AppliedWrite[] = [];
    const clock = this.time.clock({
      ...clockOptions,
      deferUntil: () => pausedUntil,
      isDead: () => dead,
    });
    const network: SimProcess['network'] = { latency: () => 0, fault: () => 'none' };
    const store = new SimulatedStore({
      time: this.time,
      table: endpoint,
      clock,
      latency: () => network.latency(),
      fault: (operation) => network.fault(operation),
      onWrite: (write) => writes.push(write),
    });
    const time = this.time;
    const lock = new LeaseLock({
      ...options,
      store,
      clock,
      ownerId: id,
      onEvent: (event) => {
        events.push({ ...event, at: time.now });
        options.onEvent?.(event);
      },
    });
    const process: SimProcess = {
      id,
      clock,
      lock,
      events,
      writes,
      network,
      pause(until) {
        pausedUntil = until;
      },
      crash() {
        dead = true;
      },
      get dead() {
        return dead;
      },
    };
    this.processes.push(process);
    return process;
  }
}
