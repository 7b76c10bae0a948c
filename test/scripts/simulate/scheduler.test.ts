import { describe, expect, it } from 'vitest';
import { VirtualScheduler } from '../../../scripts/simulate/scheduler.js';

describe('Class: VirtualScheduler', () => {
  it('runs events in time order, ties in the order they were scheduled', async () => {
    const scheduler = new VirtualScheduler(1_000);
    const seen: string[] = [];
    scheduler.after(20, () => seen.push('b@20'));
    scheduler.after(10, () => seen.push('a@10'));
    scheduler.after(20, () => seen.push('c@20'));
    await scheduler.run(1_100);
    expect(seen).toEqual(['a@10', 'b@20', 'c@20']);
    expect(scheduler.now).toBe(1_100);
  });

  it('lets promise continuations run before time moves on, so async code sees the instant it woke at', async () => {
    const scheduler = new VirtualScheduler(0);
    const clock = scheduler.clock();
    const seen: number[] = [];
    void (async () => {
      for (let i = 0; i < 3; i += 1) {
        await clock.sleep(100);
        await Promise.resolve();
        seen.push(clock.now());
      }
    })();
    await scheduler.run(1_000);
    expect(seen).toEqual([100, 200, 300]);
  });

  it('gives each process a skewed wall clock and a monotonic clock from zero', async () => {
    const scheduler = new VirtualScheduler(50_000);
    await scheduler.run(50_500);
    const clock = scheduler.clock(-200);
    expect(clock.now()).toBe(50_300);
    expect(clock.monotonic()).toBe(0);
    await scheduler.run(51_000);
    expect(clock.monotonic()).toBe(500);
  });

  it('cancels scheduled callbacks and aborts sleeps with the signal reason', async () => {
    const scheduler = new VirtualScheduler(0);
    const clock = scheduler.clock();
    const seen: string[] = [];
    const cancel = clock.schedule(() => seen.push('cancelled'), 10);
    cancel();
    const controller = new AbortController();
    const sleeping = clock.sleep(1_000, controller.signal).catch((error: unknown) => error);
    scheduler.after(5, () => controller.abort(new Error('stop')));
    await scheduler.run(2_000);
    expect(await sleeping).toEqual(new Error('stop'));
    await expect(clock.sleep(1, AbortSignal.abort(new Error('early')))).rejects.toThrow('early');
    expect(seen).toEqual([]);
  });

  it('stops after the current instant when asked', async () => {
    const scheduler = new VirtualScheduler(0);
    const seen: number[] = [];
    for (const at of [10, 20, 30]) scheduler.after(at, () => (at === 20 ? scheduler.stop() : seen.push(at)));
    await scheduler.run(100);
    expect(seen).toEqual([10]);
    expect(scheduler.isStopped).toBe(true);
    expect(scheduler.now).toBe(20);
  });
});
