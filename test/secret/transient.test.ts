import { describe, expect, it } from 'vitest';
import { isTransientError, retryTransient } from '../../src/secret/transient.js';
import { ManualClock } from '../support/manual-clock.js';

function named(name: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(name), { name }, extra);
}

describe('Function: isTransientError', () => {
  it.each([
    [named('ThrottlingException'), true],
    [named('InternalServiceError'), true],
    [named('TimeoutError'), true],
    [named('Error', { code: 'ECONNRESET' }), true],
    [named('Weird', { $metadata: { httpStatusCode: 503 } }), true],
    [named('InvalidParameterException', { $metadata: { httpStatusCode: 400 } }), false],
    [named('LimitExceededException'), false],
    [named('AccessDeniedException'), false],
    ['not an error', false],
  ])('classifies %s as %s', (error, transient) => {
    expect(isTransientError(error)).toBe(transient);
  });
});

describe('Function: retryTransient', () => {
  it('repeats transient failures with doubling jittered delays until success', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const result = await retryTransient(
      () => {
        calls += 1;
        return calls < 3 ? Promise.reject(named('ThrottlingException')) : Promise.resolve('done');
      },
      { attempts: 3, clock, random: () => 1, baseDelayMs: 100 },
    );
    expect(result).toBe('done');
    expect(clock.sleeps).toEqual([100, 200]);
  });

  it('gives up after the attempts and rethrows the last error', async () => {
    const clock = new ManualClock();
    const error = named('ThrottlingException');
    await expect(retryTransient(() => Promise.reject(error), { attempts: 2, clock, random: () => 0.5 })).rejects.toBe(error);
    expect(clock.sleeps).toHaveLength(1);
  });

  it('does not repeat a permanent failure', async () => {
    const clock = new ManualClock();
    let calls = 0;
    await expect(
      retryTransient(
        () => {
          calls += 1;
          return Promise.reject(named('AccessDeniedException'));
        },
        { attempts: 5, clock, random: Math.random },
      ),
    ).rejects.toThrow('AccessDeniedException');
    expect(calls).toBe(1);
  });
});
