import { describe, expect, it } from 'vitest';
import { configFor, multiRegionConfigFor, runSchedule, type ScheduleConfig, type ScheduleResult } from './simulation/schedule.js';

/**
 * LOCK_SIM_SCHEDULES and LOCK_SIM_SEED run more (or other) schedules on demand, e.g.
 * `LOCK_SIM_SCHEDULES=50000 LOCK_SIM_SEED=7 npx vitest run test/lock/simulation.test.ts`.
 */
const SCHEDULES = Number(process.env.LOCK_SIM_SCHEDULES ?? 2_000);
const FIRST_SEED = Number(process.env.LOCK_SIM_SEED ?? 1);
/** The multi-Region schedules: a tenth as many (at least 300), each with more processes. */
const MULTI_REGION_SCHEDULES = Math.max(300, Math.floor(SCHEDULES / 10));
const BATCH = 25;

/** Runs `count` seeded schedules from FIRST_SEED. */
async function runSchedules(count: number, config: (seed: number) => ScheduleConfig): Promise<ScheduleResult[]> {
  const results: ScheduleResult[] = [];
  // Schedules are independent worlds: running a batch side by side shares the event-loop turns that settle each step.
  for (let seed = FIRST_SEED; seed < FIRST_SEED + count; seed += BATCH) {
    const seeds = Array.from({ length: Math.min(BATCH, FIRST_SEED + count - seed) }, (_, index) => seed + index);
    results.push(...(await Promise.all(seeds.map((each) => runSchedule(config(each))))));
  }
  return results;
}

type Counted = 'grants' | 'takeovers' | 'faults' | 'windowConflicts' | 'injectedConflicts' | 'regionLosses' | 'unreachable';

function total(results: ScheduleResult[], key: Counted): number {
  return results.reduce((sum, result) => sum + result[key], 0);
}

describe('Simulation: LeaseLock under faults, pauses, crashes and clock skew', () => {
  it(`keeps mutual exclusion, fence order, truthful outcomes and bounded takeover over ${SCHEDULES} seeded schedules`, {
    timeout: 60_000 + SCHEDULES * 20,
  }, async () => {
    const results = await runSchedules(SCHEDULES, configFor);
    const violations = results.flatMap((result) => result.violations);
    expect(violations.slice(0, 5)).toEqual([]);
    // The schedules must exercise what they claim to: contention, takeovers and faults.
    expect(total(results, 'grants')).toBeGreaterThan(SCHEDULES * 3);
    expect(total(results, 'takeovers')).toBeGreaterThan(SCHEDULES / 10);
    expect(total(results, 'faults')).toBeGreaterThan(SCHEDULES);
    expect(results.filter((result) => result.config.kind === 'crash').length).toBeGreaterThan(SCHEDULES / 10);
    expect(results.filter((result) => result.config.maxClockSkewMs !== undefined).length).toBeGreaterThan(SCHEDULES / 20);
  });

  it(`keeps the same properties on an MRSC global table over ${MULTI_REGION_SCHEDULES} seeded schedules: three Regions, write conflicts, Region loss`, {
    timeout: 60_000 + MULTI_REGION_SCHEDULES * 40,
  }, async () => {
    const results = await runSchedules(MULTI_REGION_SCHEDULES, multiRegionConfigFor);
    const violations = results.flatMap((result) => result.violations);
    expect(violations.slice(0, 5)).toEqual([]);
    // Contention across Regions, conflicts (window and injected), lost Regions, and takeovers after crashes.
    expect(total(results, 'grants')).toBeGreaterThan(MULTI_REGION_SCHEDULES * 3);
    expect(total(results, 'takeovers')).toBeGreaterThan(MULTI_REGION_SCHEDULES / 10);
    expect(total(results, 'windowConflicts')).toBeGreaterThan(MULTI_REGION_SCHEDULES / 10);
    expect(total(results, 'injectedConflicts')).toBeGreaterThan(MULTI_REGION_SCHEDULES / 2);
    expect(total(results, 'regionLosses')).toBeGreaterThan(MULTI_REGION_SCHEDULES / 4);
    expect(total(results, 'unreachable')).toBeGreaterThan(MULTI_REGION_SCHEDULES);
    expect(results.filter((result) => result.windowConflicts + result.injectedConflicts > 0 && result.grants > 0).length).toBeGreaterThan(
      MULTI_REGION_SCHEDULES / 4,
    );
    // Holders cut off by the loss of their Region, replaced within the bound from the other Regions.
    expect(results.filter((result) => result.config.multiRegion?.holderRegionLost === true && result.takeovers > 0).length).toBeGreaterThan(
      MULTI_REGION_SCHEDULES / 20,
    );
  });

  it('catches overlapping holders on an eventually consistent (MREC) global table, which the table check refuses', async () => {
    const results = await runSchedules(100, (seed) => {
      const config = multiRegionConfigFor(seed);
      return { ...config, multiRegion: { ...config.multiRegion!, consistency: 'eventual' } };
    });
    const overlaps = results.flatMap((result) => result.violations).filter((violation) => violation.property === 'mutual exclusion');
    expect(overlaps.length).toBeGreaterThan(0);
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

  it.each([
    ['single-table', configFor],
    ['multi-Region', multiRegionConfigFor],
  ])('replays a %s schedule identically from its seed', async (_, config) => {
    const first = await runSchedule(config(12_345));
    const second = await runSchedule(config(12_345));
    expect({ ...second, violations: second.violations.length }).toEqual({ ...first, violations: first.violations.length });
  });
});
