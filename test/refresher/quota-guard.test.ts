import { describe, expect, it } from 'vitest';
import { RECORD, type CommitRecord } from '../../src/refresher/commit-record.js';
import type { ProtocolContext } from '../../src/refresher/protocol-context.js';
import { guardQuota } from '../../src/refresher/quota-guard.js';
import type { CensusOptions } from '../../src/secret/secret-store.js';
import { VersionQuotaError, type VersionCensus } from '../../src/secret/errors.js';

/** What guardQuota touches of the context, with every census it asks for and every event it emits. */
function contextWith(settings: { versionQuota: number; quotaGuard: number; headroom?: number; nonRemovable?: number }) {
  const censuses: CensusOptions[] = [];
  const events: unknown[] = [];
  const closeSignal = new AbortController().signal;
  const context = {
    options: { versionQuota: settings.versionQuota, quotaGuard: settings.quotaGuard, secretId: 'quota/secret' },
    closeSignal,
    primary: {
      census: async (options: CensusOptions): Promise<VersionCensus> => {
        censuses.push(options);
        const nonRemovable = settings.nonRemovable ?? 3;
        return {
          total: nonRemovable,
          labelled: 2,
          deprecated: 0,
          createdLast24h: nonRemovable,
          nonRemovable,
          quota: options.quota,
          headroom: settings.headroom ?? options.quota - nonRemovable,
          guard: options.guard,
          takenAt: 1_700_000_000_000,
        };
      },
    },
    emit: (event: unknown) => events.push(event),
  } as unknown as ProtocolContext;
  return { context, censuses, events, closeSignal };
}

const recordWith = (census?: CommitRecord['census']): CommitRecord => ({ ...(census === undefined ? {} : { census }) }) as CommitRecord;

describe('Function: guardQuota', () => {
  it('takes a census when the record has none, reports it, and returns it for the commit', async () => {
    const { context, censuses, events, closeSignal } = contextWith({ versionQuota: 100, quotaGuard: 10, nonRemovable: 7 });
    const attributes = await guardQuota(context, recordWith(), 42);
    expect(censuses).toEqual([{ quota: 100, guard: 10, signal: closeSignal }]);
    expect(events).toEqual([{ type: 'census', census: expect.objectContaining({ nonRemovable: 7, headroom: 93 }) }]);
    expect(attributes).toEqual({ [RECORD.censusNonRemovable]: 7, [RECORD.censusGeneration]: 42, [RECORD.censusAt]: 1_700_000_000_000 });
  });

  it('skips the census while the estimate leaves more than the guard plus a tenth of the quota', async () => {
    // quota 100, guard 10, slack 10: the estimate 5 + (20 - 10) = 15 leaves 100 - 15 - 1 = 84 > 20.
    const { context, censuses, events } = contextWith({ versionQuota: 100, quotaGuard: 10 });
    expect(await guardQuota(context, recordWith({ nonRemovable: 5, generation: 10, takenAt: 0 }), 20)).toEqual({});
    expect(censuses).toHaveLength(0);
    expect(events).toHaveLength(0);
  });

  it('counts again exactly when the estimate leaves no more than guard plus slack', async () => {
    // 100 - (69 + 10) - 1 = 20 = 10 + 10: no longer more, so a census is taken; one version fewer is not.
    const atEdge = contextWith({ versionQuota: 100, quotaGuard: 10 });
    await guardQuota(atEdge.context, recordWith({ nonRemovable: 69, generation: 10, takenAt: 0 }), 20);
    expect(atEdge.censuses).toHaveLength(1);
    const belowEdge = contextWith({ versionQuota: 100, quotaGuard: 10 });
    expect(await guardQuota(belowEdge.context, recordWith({ nonRemovable: 68, generation: 10, takenAt: 0 }), 20)).toEqual({});
    expect(belowEdge.censuses).toHaveLength(0);
  });

  it('never lets a generation older than the census lower the estimate', async () => {
    // 79 + max(0, 5 - 10) = 79 leaves 100 - 79 - 1 = 20, not more than 10 + 10: a census. Counting the
    // older generation as -5 would have left 25 and skipped it.
    const { context, censuses } = contextWith({ versionQuota: 100, quotaGuard: 10 });
    await guardQuota(context, recordWith({ nonRemovable: 79, generation: 10, takenAt: 0 }), 5);
    expect(censuses).toHaveLength(1);
  });

  it.each([
    { versionQuota: 100, slack: 10, quotaGuard: 10 },
    { versionQuota: 300, slack: 10, quotaGuard: 10 },
    { versionQuota: 55, slack: 5, quotaGuard: 5 },
    { versionQuota: 19, slack: 1, quotaGuard: 1 },
    { versionQuota: 5, slack: 1, quotaGuard: 1 },
  ])('gives a quota of $versionQuota a slack of $slack versions (a tenth, 1 to 10)', async ({ versionQuota, quotaGuard, slack }) => {
    // The census is skipped only while versionQuota - estimate - 1 > quotaGuard + slack.
    const edge = versionQuota - 1 - quotaGuard - slack;
    const skipped = contextWith({ versionQuota, quotaGuard });
    expect(await guardQuota(skipped.context, recordWith({ nonRemovable: edge - 1, generation: 0, takenAt: 0 }), 0)).toEqual({});
    expect(skipped.censuses).toHaveLength(0);
    const counted = contextWith({ versionQuota, quotaGuard });
    await guardQuota(counted.context, recordWith({ nonRemovable: edge, generation: 0, takenAt: 0 }), 0);
    expect(counted.censuses).toHaveLength(1);
  });

  it('refuses to write with VersionQuotaError when the headroom is at the guard, and writes one above it', async () => {
    const atGuard = contextWith({ versionQuota: 100, quotaGuard: 10, headroom: 10 });
    const refusal = guardQuota(atGuard.context, recordWith(), 1);
    await expect(refusal).rejects.toBeInstanceOf(VersionQuotaError);
    await expect(refusal).rejects.toMatchObject({ census: expect.objectContaining({ headroom: 10 }) });
    await expect(refusal).rejects.toThrow(/Secret "quota\/secret" is at its version quota/);
    const aboveGuard = contextWith({ versionQuota: 100, quotaGuard: 10, headroom: 11 });
    expect(await guardQuota(aboveGuard.context, recordWith(), 1)).toHaveProperty(RECORD.censusGeneration, 1);
  });
});
