import { describe, expect, it } from 'vitest';
import { CLEAR_FAILURE, readCommitRecord } from '../../src/refresher/commit-record.js';

describe('Function: readCommitRecord (malformed and partial fields)', () => {
  it('ignores numbers that are not finite or not numbers, and empty strings', () => {
    expect(
      readCommitRecord({ generation: Number.NaN, tokenExpiresAt: Number.POSITIVE_INFINITY, recordFence: '3', versionId: '', refreshedAt: 5 }),
    ).toEqual({
      refreshedAt: 5,
    });
  });

  it('reads a failure only when both its retry time and its count are there, defaulting reason, error name and fence', () => {
    expect(readCommitRecord({ retryNotBefore: 5_000 })).toEqual({});
    expect(readCommitRecord({ failureCount: 2 })).toEqual({});
    expect(readCommitRecord({ retryNotBefore: 5_000, failureCount: 2 })).toEqual({
      failure: { reason: 'unknown', errorName: 'Error', failureCount: 2, retryNotBefore: 5_000, fence: 0 },
    });
  });

  it('reads a census only when both its count and its generation are there, defaulting the time to 0', () => {
    expect(readCommitRecord({ censusNonRemovable: 30 })).toEqual({});
    expect(readCommitRecord({ censusGeneration: 28 })).toEqual({});
    expect(readCommitRecord({ censusNonRemovable: 30, censusGeneration: 28 })).toEqual({ census: { nonRemovable: 30, generation: 28, takenAt: 0 } });
  });
});

describe('Constant: CLEAR_FAILURE', () => {
  it('removes every failure field and nothing else', () => {
    expect(CLEAR_FAILURE).toEqual({ retryNotBefore: null, failureCount: null, failureReason: null, failureError: null, failedFence: null });
  });
});
