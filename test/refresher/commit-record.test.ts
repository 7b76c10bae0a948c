import { describe, expect, it } from 'vitest';
import { CLEAR_FAILURE, currentVersionAttributes, readCommitRecord } from '../../src/refresher/commit-record.js';

describe('Function: readCommitRecord', () => {
  it('reads what currentVersionAttributes writes, with the failure cleared', () => {
    const attributes = currentVersionAttributes({
      versionId: 'v7',
      generation: 7,
      highestGeneration: 9,
      expiresAt: 2_000,
      refreshedAt: 1_000,
      fence: 12,
    });
    const stored = Object.fromEntries(Object.entries(attributes).filter((entry): entry is [string, string | number] => entry[1] !== null));
    expect(readCommitRecord(stored)).toEqual({
      versionId: 'v7',
      generation: 7,
      highestGeneration: 9,
      tokenExpiresAt: 2_000,
      refreshedAt: 1_000,
      recordFence: 12,
    });
    for (const name of Object.keys(CLEAR_FAILURE)) expect(attributes[name]).toBeNull();
  });

  it('reads a recorded failure and census', () => {
    expect(
      readCommitRecord({
        retryNotBefore: 5_000,
        failureCount: 2,
        failureReason: 'timed-out',
        failureError: 'RefreshTimeoutError',
        failedFence: 4,
        censusNonRemovable: 30,
        censusGeneration: 28,
        censusAt: 100,
      }),
    ).toEqual({
      failure: { reason: 'timed-out', errorName: 'RefreshTimeoutError', failureCount: 2, retryNotBefore: 5_000, fence: 4 },
      census: { nonRemovable: 30, generation: 28, takenAt: 100 },
    });
  });

  it('ignores malformed and unknown attributes', () => {
    expect(readCommitRecord({ generation: 'seven', versionId: '', retryNotBefore: 5, somethingElse: true })).toEqual({});
  });
});
