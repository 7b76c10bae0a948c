import { describe, expect, it } from 'vitest';
import { InvocationWindow } from '../../src/lambda-extension/invocation-window.js';
import { ManualClock } from '../support/manual-clock.js';

describe('Class: InvocationWindow', () => {
  it('bounds requests of the init phase by its end, then each request by its invocation’s deadline', async () => {
    const clock = new ManualClock();
    const window = new InvocationWindow(clock, clock.now() + 9_000);
    expect((await window.context()).getRemainingTimeInMillis()).toBe(9_000);
    clock.advance(9_500);
    window.begin(clock.now() + 3_000);
    const context = await window.context();
    expect(context.getRemainingTimeInMillis()).toBe(3_000);
    clock.advance(1_000);
    expect(context.getRemainingTimeInMillis()).toBe(2_000);
  });

  it('holds a request that arrives before its INVOKE event until the event comes, and uses its deadline', async () => {
    const clock = new ManualClock();
    const window = new InvocationWindow(clock, clock.now() + 9_000);
    window.begin(clock.now() + 1_000);
    clock.advance(5_000); // frozen after that invocation; thawed for the next one
    let remaining: number | undefined;
    const pending = window.context().then((context) => {
      remaining = context.getRemainingTimeInMillis();
    });
    await Promise.resolve();
    expect(remaining).toBeUndefined();
    window.begin(clock.now() + 4_000);
    await pending;
    expect(remaining).toBe(4_000);
  });

  it('gives up waiting for the INVOKE event after a second: the request then has no time left', async () => {
    const clock = new ManualClock();
    const window = new InvocationWindow(clock, clock.now());
    const pending = window.context();
    clock.advance(1_000);
    expect((await pending).getRemainingTimeInMillis()).toBeLessThanOrEqual(0);
  });
});
