import { LockTimeoutError, LockUnavailableError } from '../../../src/lock/errors.js';
import type { Lease } from '../../../src/lock/lease.js';
import type { LeaseLockOptions } from '../../../src/lock/options.js';
import { seededRandom } from '../../../src/shared/random.js';
import { leaseOf } from '../../support/lease-outcome.js';
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
 * Runs one schedule: processes contend for one lock through a faulty network under virtual time,
 * with clock skew and drift, pauses and crashes, while a checker watches every event.
 */
export async function runSchedule(config: ScheduleConfig, trace?: (line: string) => void): Promise<ScheduleResult> {
  const random = seededRandom(config.seed ^ 0x9e3779b9);
  const world = new LockWorld();
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
    );
    process.network.latency = () => Math.floor(random() * (config.maxLatencyMs + 1));
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
    world.time.at(crashAt, () => {
      first.crash();
      leases.delete(first);
    });
    let waitingSince = Infinity;
    const waiting = others.map(async (process) => {
      await sleep(process, random() * crashAt);
      waitingSince = Math.min(waitingSince, world.time.now);
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
        `dead holder's last write at ${lastWrite}, first waiter at ${waitingSince}, takeover at ${firstTakeover}, bound ${bound.toFixed(0)}`,
      );
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
  return { config, violations, grants, takeovers, faults, events };
}
