import { describe, expect, it } from 'vitest';
import { closeWithin } from '../../src/worker/index.js';
import { VirtualTime } from '../support/virtual-time.js';

describe('Function: closeWithin', () => {
  it('reports closed when close finishes in time', async () => {
    const time = new VirtualTime();
    const clock = time.clock();
    const outcome = closeWithin(() => clock.sleep(3_000), 10_000, clock);
    expect(await time.until(outcome)).toBe('closed');
    expect(time.now).toBe(3_000);
    expect(time.pending).toBe(0);
  });

  it('reports timed-out after the bound when close hangs', async () => {
    const time = new VirtualTime();
    const clock = time.clock();
    const outcome = closeWithin(() => new Promise<void>(() => undefined), 10_000, clock);
    expect(await time.until(outcome)).toBe('timed-out');
    expect(time.now).toBe(10_000);
  });

  it('rejects with the error close rejects with', async () => {
    const time = new VirtualTime();
    await expect(time.until(closeWithin(() => Promise.reject(new Error('release failed')), 10_000, time.clock()))).rejects.toThrow('release failed');
  });
});
