import { describe, expect, it } from 'vitest';
import { configFor, runSchedule, type ScheduleResult } from './simulation/schedule.js';

/**
 * LOCK_SIM_SCHEDULES and LOCK_SIM_SEED run more (or other) schedules on demand, e.g.
 * `LOCK_SIM_SCHEDULES=50000 LOCK_SIM_SEED=7 npx vitest run test/lock/simulation.test.ts`.
 */
const SCHEDULES = Number(process.env.LOCK_SIM_SCHEDULES ?? 2_000);
const FIRST_SEED = Number(process.env.LOCK_SIM_SEED ?? 1);
const BATCH = 25;

describe('Simulation: LeaseLock under faults, pauses, crashes and clock skew', () => {
  it(`keeps mutual exclusion, fence order, truthful outcomes and bounded takeover over ${SCHEDULES} seeded schedules`, {
    timeout: 60_000 + SCHEDULES * 20,
  }, async () => {
    const results: ScheduleResult[] = [];
    // Schedules are independent worlds: running a batch side by side shares the event-loop turns that settle each step.
    for (let seed = FIRST_SEED; seed < FIRST_SEED + SCHEDULES; seed += BATCH) {
      const seeds = Array.from({ length: Math.min(BATCH, FIRST_SEED + SCHEDULES - seed) }, (_, index) => seed + index);
      results.push(...(await Promise.all(seeds.map((each) => runSchedule(configFor(each))))));
    }
    const violations = results.flatMap((result) => result.violations);
    expect(violations.slice(0, 5)).toEqual([]);
    const total = (key: 'grants' | 'takeovers' | 'faults') => results.reduce((sum, result) => sum + result[key], 0);
    // The schedules must exercise what they claim to: contention, takeovers and faults.
    expect(total('grants')).toBeGreaterThan(SCHEDULES * 3);
    expect(total('takeovers')).toBeGreaterThan(SCHEDULES / 10);
    expect(total('faults')).toBeGreaterThan(SCHEDULES);
    expect(results.filter((result) => result.config.kind === 'crash').length).toBeGreaterThan(SCHEDULES / 10);
    expect(results.filter((result) => result.config.maxClockSkewMs !== undefined).length).toBeGreaterThan(SCHEDULES / 20);
  });

  it('catches overlapping holders when the fast path is promised a clock skew bound that the clocks break', async () => {
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, index) => {
        const config = configFor(index + 1);
        return runSchedule({ ...config, kind: 'mixed', maxClockSkewMs: 20, wallSpreadMs: 4 * config.leaseMs, faultRate: 0 });
      }),
    );
    const overlaps = results.flatMap((result) => result.violations).filter((violation) => violation.property === 'mutual exclusion');
    expect(overlaps.length).toBeGreaterThan(0);
  });

  it('replays a schedule identically from its seed', async () => {
    const first = await runSchedule(configFor(12_345));
    const second = await runSchedule(configFor(12_345));
    expect({ ...second, violations: second.violations.length }).toEqual({ ...first, violations: first.violations.length });
  });
});
