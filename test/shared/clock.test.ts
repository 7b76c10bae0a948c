import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/shared/clock.js';

describe('Object: systemClock', () => {
  it('rejects a sleep with the abort reason when its signal aborts', async () => {
    const controller = new AbortController();
    const sleeping = systemClock.sleep(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
  });

  it('rejects at once when the signal is already aborted', async () => {
    await expect(systemClock.sleep(60_000, AbortSignal.abort(new Error('early')))).rejects.toThrow('early');
  });

  it('runs a scheduled callback unless cancelled', async () => {
    const calls: string[] = [];
    const cancel = systemClock.schedule(() => calls.push('cancelled'), 1);
    cancel();
    await new Promise<void>((resolve) =>
      systemClock.schedule(() => {
        calls.push('ran');
        resolve();
      }, 1),
    );
    expect(calls).toEqual(['ran']);
  });
});
