import { VersionQuotaError } from '../secret/errors.js';
import { RECORD, type CommitRecord } from './commit-record.js';
import type { CommitValue } from './lock-port.js';
import type { ProtocolContext } from './protocol-context.js';

/** Versions other processes may add between two censuses: a tenth of the quota, 1 to 10. */
function censusSlack(versionQuota: number): number {
  return Math.max(1, Math.min(10, Math.floor(versionQuota / 10)));
}

/**
 * The census guard of G7 (DESIGN.md §3 step 7): counts the secret's versions only when the recorded
 * estimate nears the quota, and refuses to write with {@link VersionQuotaError} when too few remain.
 * Returns the census attributes to commit with the record (none when no census was taken).
 */
export async function guardQuota(context: ProtocolContext, record: CommitRecord, highestGeneration: number): Promise<Record<string, CommitValue>> {
  const { versionQuota, quotaGuard, secretId } = context.options;
  if (record.census !== undefined) {
    const estimate = record.census.nonRemovable + Math.max(0, highestGeneration - record.census.generation);
    if (versionQuota - estimate - 1 > quotaGuard + censusSlack(versionQuota)) return {};
  }
  const census = await context.primary.census({ quota: versionQuota, guard: quotaGuard, signal: context.closeSignal });
  context.emit({ type: 'census', census });
  if (census.headroom <= quotaGuard) throw new VersionQuotaError(secretId, census);
  return {
    [RECORD.censusNonRemovable]: census.nonRemovable,
    [RECORD.censusGeneration]: highestGeneration,
    [RECORD.censusAt]: census.takenAt,
  };
}
