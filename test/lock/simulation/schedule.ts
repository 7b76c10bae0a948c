import { LockTimeoutError, LockUnavailableError } from '../../../src/lock/errors.js';
import type { Lease } from '../../../src/lock/lease.js';
import type { LeaseLockOptions } from '../../../src/lock/options.js';
import { seededRandom } from '../../../src/shared/random.js';
import { leaseOf } from '../../support/lease-outcome.js';
import { MultiRegionTable, REGIONS, type Region } from '../../support/multi-region-table.js';
import type { NetworkFault } from '../../support/simulated-store.js';
import { LockWorld, type SimProcess } from '../world.js';

const LOCK = 'sim';

/** The parameters of one schedule, all drawn from its seed. */
export interface ScheduleConfig {
  seed: number;
  kind: 'mixed' | 'crash';
  processes: number;
  leaseMs: number;
  heartbeatMs: number | false;
  pollMs: number;
  maxClockSkewMs: number | undefined;
  /** The spread of the processes' wall clocks: within maxClockSkewMs on the fast path, ±10 min in strict mode. */
  wallSpreadMs: number;
  maxLatencyMs: number;
  faultRate: number;
  pauses: boolean;
  horizonMs: number;
  /** Runs the table as an MRSC global table with processes spread over its three Regions. */
  multiRegion?: MultiRegionConfig;
}

/** The global table of a multi-Region schedule. */
export interface MultiRegionConfig {
  /** The one-way latency bound to each Region's endpoint (the largest is the schedule's `maxLatencyMs`). */
  latencyMs: readonly [number, number, number];
  conflictWindowMs: number;
  /** The share of writes failed with an injected `ReplicatedWriteConflictException`. */
  conflictRate: number;
  /** Whether Regions are lost (one at a time, so a majority always remains) and come back. */
  regionLoss: boolean;
  /**
   * Crash schedules: instead of dying, the holder loses its Region (it lives on, cut off, with the
   * processes that share its Region) for three leases; the others must take over within the bound.
   */
  holderRegionLost: boolean;
  /** `eventual`: the table is MREC-like (stale copies, last writer wins): a negative test of why MREC is refused. */
  consistency?: 'strong' | 'eventual';
}

/** A property the checker found broken, with what it needs to reproduce it. */
export interface Violation {
  seed: number;
  at: number;
  property: 'mutual exclusion' | 'fence order' | 'false lost' | 'false held-by-other' | 'takeover bound' | 'stuck';
  detail: string;
}

export interface ScheduleResult {
  config: ScheduleConfig;
  violations: Violation[];
  grants: number;
  takeovers: number;
  faults: number;
  events: number;
  /** Writes refused with ReplicatedWriteConflictException (multi-Region schedules): met another Region's write, or injected. */
  windowConflicts: number;
  injectedConflicts: number;
  regionLosses: number;
  /** Requests refused because their Region was down. */
  unreachable: number;
}

/** Draws a schedule's parameters from its seed. */
export function configFor(seed: number): ScheduleConfig {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const kind = random() < 0.25 ? 'crash' : 'mixed';
  const leaseMs = pick([300, 1_000, 3_000]);
  const fastPath = kind === 'mixed' && random() < 0.2;
  const maxClockSkewMs = fastPath ? pick([20, 200]) : undefined;
  return {
    seed,
    kind,
    processes: 2 + Math.floor(random() * 3),
    leaseMs,
    heartbeatMs: random() < 0.15 ? false : Math.floor(leaseMs / 3),
    pollMs: Math.floor(leaseMs / pick([4, 5, 10])),
    maxClockSkewMs,
    wallSpreadMs: maxClockSkewMs ?? 1_200_000,
    maxLatencyMs: pick([0, 5, Math.floor(leaseMs / 10)]),
    faultRate: kind === 'crash' ? 0 : pick([0, 0.05, 0.2]),
    pauses: kind === 'mixed' && random() < 0.5,
    horizonMs: leaseMs * 8,
  };
}

/**
 * Draws a multi-Region schedule: {@link configFor}'s parameters, at least one process per Region
 * (process i in Region i mod 3), per-Region latency and a conflict window. Mixed schedules add
 * injected conflicts and random Region loss; crash schedules, whose takeover bound needs waiters
 * that reach the table, instead lose the holder's Region in half of them.
 */
export function multiRegionConfigFor(seed: number): ScheduleConfig {
  const base = configFor(seed);
  const random = seededRandom(seed ^ 0x5bd1e995);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const latency = (): number => pick([1, 5, 20, Math.floor(base.leaseMs / 10)]);
  const latencyMs = [latency(), latency(), latency()] as const;
  const mixed = base.kind === 'mixed';
  return {
    ...base,
    processes: 3 + Math.floor(random() * 4),
    maxLatencyMs: Math.max(...latencyMs),
    multiRegion: {
      latencyMs,
      conflictWindowMs: pick([5, 20, Math.floor(base.leaseMs / 10)]),
      conflictRate: mixed ? pick([0, 0.05, 0.2]) : 0,
      regionLoss: mixed && random() < 0.7,
      holderRegionLost: !mixed && random() < 0.5,
    },
  };
}

/**
 * Runs one schedule: processes contend for one lock through a faulty network under virtual time,
 * with clock skew and drift, pauses and crashes, while a checker watches every event.
 */
export async function runSchedule(config: ScheduleConfig, trace?: (line: string) => void): Promise<ScheduleResult> {
  const random = seededRandom(config.seed ^ 0x9e3779b9);
  const world = new LockWorld();
  const { multiRegion } = config;
  const global =
    multiRegion === undefined
      ? undefined
      : new MultiRegionTable({
          time: world.time,
          table: world.table,
          conflictWindowMs: multiRegion.conflictWindowMs,
          ...(multiRegion.consistency === undefined ? {} : { consistency: multiRegion.consistency }),
          injectConflict: (region) => {
            if (multiRegion.conflictRate === 0 || random() >= multiRegion.conflictRate) return false;
            trace?.(`${world.time.now.toFixed(1)} injected conflict in ${region}`);
            return true;
          },
        });
  const regionOf = (index: number): Region => REGIONS[index % REGIONS.length]!;
  const violations: Violation[] = [];
  const violation = (property: Violation['property'], detail: string): void => {
    violations.push({ seed: config.seed, at: world.time.now, property, detail });
  };
  const leases = new Map<SimProcess, Lease>();
  /** Leases the application has not released (in use, or forgotten): the table may rightly name their owner. */
  const unreleased = new Map<SimProcess, Set<number>>();
  const recentTrouble = new Map<SimProcess, number>();
  let maxFence = 0;
  let grants = 0;
  let takeovers = 0;
  let faults = 0;
  let events = 0;

  const options: Omit<LeaseLockOptions, 'store' | 'clock' | 'ownerId'> = {
    leaseMs: config.leaseMs,
    heartbeatMs: config.heartbeatMs,
    pollMs: config.pollMs,
    random,
    ...(config.maxClockSkewMs === undefined ? {} : { maxClockSkewMs: config.maxClockSkewMs }),
  };
  for (let index = 0; index < config.processes; index += 1) {
    const strict = config.maxClockSkewMs === undefined;
    const process = world.process(
      `p${index}`,
      {
        ...options,
        onEvent: (event) => {
          events += 1;
          trace?.(`${world.time.now.toFixed(1)} ${event.owner} event ${JSON.stringify(event)}`);
          if (event.type === 'takeover') takeovers += 1;
          if (event.type === 'lost' && event.reason === 'stolen') {
            const current = world.table.peek(LOCK);
            if (current !== undefined && current.fence <= event.fence) {
              violation(
                'false lost',
                `${event.owner} reported lease ${event.fence} stolen while the table shows fence ${current.fence} owner ${current.owner}`,
              );
            }
          }
        },
      },
      {
        // Strict mode trusts no wall clock; the fast path is promised a bound, which wallSpreadMs keeps unless a test breaks it.
        wallOffsetMs: (random() - 0.5) * config.wallSpreadMs,
        rate: strict ? 1 + (random() - 0.5) * 2e-3 : 1,
        monotonicOffsetMs: random() * 1e6,
      },
      global?.endpoint(regionOf(index)),
    );
    const maxLatencyMs = multiRegion?.latencyMs[index % REGIONS.length] ?? config.maxLatencyMs;
    process.network.latency = () => Math.floor(random() * (maxLatencyMs + 1));
    process.network.fault = (operation): NetworkFault => {
      if (random() >= config.faultRate) return 'none';
      faults += 1;
      const fault = (['failBefore', 'throttle', 'dropResponse', 'sdkRetry'] as const)[Math.floor(random() * 4)]!;
      trace?.(`${world.time.now.toFixed(1)} p${index} fault ${fault} on ${operation}`);
      return fault;
    };
  }

  const grant = (process: SimProcess, lease: Lease): void => {
    grants += 1;
    trace?.(`${world.time.now.toFixed(1)} ${process.id} granted fence ${lease.fence}`);
    if (lease.fence <= maxFence) violation('fence order', `${process.id} got fence ${lease.fence} after fence ${maxFence} was granted`);
    maxFence = Math.max(maxFence, lease.fence);
    leases.set(process, lease);
    if (!unreleased.has(process)) unreleased.set(process, new Set());
    unreleased.get(process)!.add(lease.fence);
  };

  world.time.afterEvent = () => {
    let believer: string | undefined;
    for (const [process, lease] of leases) {
      if (process.dead || lease.remainingMs() <= 0) continue;
      if (believer !== undefined) violation('mutual exclusion', `${believer} and ${process.id}@${lease.fence} both hold the lock`);
      believer = `${process.id}@${lease.fence}`;
    }
  };

  const checkNotHeldBySelf = (process: SimProcess): void => {
    const trouble = recentTrouble.get(process);
    if (trouble !== undefined && world.time.now - trouble < 2 * config.leaseMs) return;
    trace?.(`${world.time.now.toFixed(1)} ${process.id} not acquired; table ${JSON.stringify(world.table.peek(LOCK))}`);
    const current = world.table.peek(LOCK);
    if (current?.owner === process.id && !unreleased.get(process)?.has(current.fence))
      violation('false held-by-other', `${process.id} was told the lock is held while it holds it itself`);
  };

  const sleep = (process: SimProcess, ms: number): Promise<void> => process.clock.sleep(Math.max(1, Math.floor(ms)));

  const hold = async (process: SimProcess, lease: Lease, mayForget: boolean): Promise<void> => {
    grant(process, lease);
    const steps = 1 + Math.floor(random() * 4);
    for (let step = 0; step < steps && lease.remainingMs() > 0; step += 1) {
      await sleep(process, random() * config.leaseMs * 0.8);
    }
    leases.delete(process);
    const ending = random();
    try {
      if (mayForget && ending < 0.1) return; // forgotten: it keeps the lock (renewed or until it runs out) and must not confuse the process
      if (ending < 0.5) await lease.commitAndRelease({ generation: lease.fence });
      else await lease.release();
      unreleased.get(process)?.delete(lease.fence);
    } catch (error) {
      if (!(error instanceof LockUnavailableError) && !(error instanceof Error && error.name === 'LockLostError')) throw error;
      recentTrouble.set(process, world.time.now);
    }
  };

  const behave = async (process: SimProcess): Promise<void> => {
    while (!process.dead && world.time.now < config.horizonMs) {
      const blocking = random() < 0.7;
      try {
        const outcome = blocking
          ? await process.lock.acquire(LOCK, { timeoutMs: Math.floor(config.leaseMs * (0.5 + random() * 4)) })
          : await process.lock.tryAcquire(LOCK);
        if (outcome.acquired) await hold(process, outcome.lease, true);
        else checkNotHeldBySelf(process);
      } catch (error) {
        if (!(error instanceof LockTimeoutError) && !(error instanceof LockUnavailableError)) throw error;
        trace?.(`${world.time.now.toFixed(1)} ${process.id} acquire failed: ${(error as Error).name}`);
        recentTrouble.set(process, world.time.now);
      }
      await sleep(process, random() * config.leaseMs);
    }
  };

  const crashSchedule = async (): Promise<void> => {
    const [first, ...others] = world.processes as [SimProcess, ...SimProcess[]];
    const outcome = await world.time.until(first.lock.tryAcquire(LOCK));
    if (!outcome.acquired) throw new Error('the first process must win an empty table');
    grant(first, outcome.lease);
    const crashAt = random() * config.leaseMs * 5;
    const cutOff = global !== undefined && config.multiRegion?.holderRegionLost === true ? regionOf(0) : undefined;
    world.time.at(crashAt, () => {
      if (global !== undefined && cutOff !== undefined) {
        // The holder stays alive and keeps its lease object: the checker sees it believe in it until its signal aborts.
        trace?.(`${world.time.now.toFixed(1)} holder's Region ${cutOff} lost`);
        global.lose(cutOff);
        world.time.at(3 * config.leaseMs, () => global.restore(cutOff));
        return;
      }
      first.crash();
      leases.delete(first);
    });
    let waitingSince = Infinity;
    const waiting = others.map(async (process, index) => {
      await sleep(process, random() * crashAt);
      // The bound is for the waiters that can reach the table.
      if (regionOf(index + 1) !== cutOff) waitingSince = Math.min(waitingSince, world.time.now);
      // No stopWhen: acquire returns only with the lease (or throws), so a refusal here is a bug.
      const lease = leaseOf(await process.lock.acquire(LOCK, { timeoutMs: Infinity }));
      if (firstTakeover === undefined) firstTakeover = world.time.now;
      await hold(process, lease, false);
    });
    let firstTakeover: number | undefined;
    await world.time.until(Promise.all(waiting), config.horizonMs * 4);
    const lastWrite = first.writes.filter((write) => write.applied).at(-1)?.at ?? 0;
    // A contender times the lease from its own first sight of the holder's last version.
    // Network time on top: the read that first shows the last version, the read at expiry and the takeover write, each both ways.
    const bound = Math.max(lastWrite, waitingSince) + config.leaseMs * 1.002 + config.pollMs + 6 * config.maxLatencyMs + 1;
    if (firstTakeover === undefined || firstTakeover > bound) {
      violation(
        'takeover bound',
        `${cutOff === undefined ? 'dead' : 'cut-off'} holder's last write at ${lastWrite}, first waiter at ${waitingSince}, takeover at ${firstTakeover}, bound ${bound.toFixed(0)}`,
      );
    }
  };

  /** One or two Region outages, one after the other, each up to two leases long. */
  const loseRegions = (table: MultiRegionTable): void => {
    let from = random() * config.horizonMs * 0.5;
    const outages = 1 + Math.floor(random() * 2);
    for (let outage = 0; outage < outages; outage += 1) {
      const region = REGIONS[Math.floor(random() * REGIONS.length)]!;
      const length = random() * 2 * config.leaseMs;
      world.time.at(from, () => {
        trace?.(`${world.time.now.toFixed(1)} Region ${region} lost`);
        table.lose(region);
      });
      world.time.at(from + length, () => {
        trace?.(`${world.time.now.toFixed(1)} Region ${region} back`);
        table.restore(region);
      });
      from += length + random() * config.leaseMs;
    }
  };

  try {
    if (config.kind === 'crash') {
      await crashSchedule();
    } else {
      if (config.pauses) {
        for (const process of world.processes) {
          const at = random() * config.horizonMs;
          world.time.at(at, () => process.pause(at + random() * 2 * config.leaseMs));
        }
      }
      if (global !== undefined && multiRegion?.regionLoss === true) loseRegions(global);
      const crashing = random() < 0.3 ? world.processes[Math.floor(random() * world.processes.length)] : undefined;
      if (crashing !== undefined) world.time.at(random() * config.horizonMs, () => crashing.crash());
      const running = world.processes.map((process) => behave(process));
      await world.time.runUntil(config.horizonMs);
      for (const process of world.processes) if (!process.dead) process.crash();
      void Promise.allSettled(running);
    }
  } catch (error) {
    violation('stuck', error instanceof Error ? error.message : String(error));
  }
  const counts = global?.counts;
  return {
    config,
    violations,
    grants,
    takeovers,
    faults,
    events,
    windowConflicts: counts?.windowConflicts ?? 0,
    injectedConflicts: counts?.injectedConflicts ?? 0,
    regionLosses: counts?.regionLosses ?? 0,
    unreachable: counts?.unreachable ?? 0,
  };
}
