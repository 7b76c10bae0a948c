import type { CommitValue } from './lock-port.js';

/**
 * The refresher's commit record in the lock item (DESIGN.md §3 step 10): which version is current
 * and the fleet's failure and census state. Only ids, numbers and reasons — never a token.
 */
export interface CommitRecord {
  /** The version id on the managed label as of `recordFence`. */
  versionId?: string;
  generation?: number;
  /** The highest generation ever committed (generations keep growing after a rollback). */
  highestGeneration?: number;
  tokenExpiresAt?: number;
  refreshedAt?: number;
  /** The fence of the lease that wrote this record. */
  recordFence?: number;
  /** The version the current one replaced (the rollback target for custom labels). */
  previousVersionId?: string;
  failure?: {
    reason: string;
    errorName: string;
    failureCount: number;
    retryNotBefore: number;
    fence: number;
  };
  census?: {
    nonRemovable: number;
    /** `highestGeneration` when the census was taken. */
    generation: number;
    takenAt: number;
  };
  rolledBackAt?: number;
  rolledBackFrom?: string;
  /** Refresh state (DESIGN.md §9): the fence that saved the state now current, and the write-ahead marker. */
  refreshState?: {
    /** The fence of the lease whose state is current in the state secret. */
    savedFence?: number;
    /** Set before a holder presents the state to the identity provider, cleared once it knows the answer. */
    mintingFence?: number;
    /** The state version the identity provider refused: nobody presents it again. */
    lostVersionId?: string;
  };
}

/** Attribute names in the lock item. */
export const RECORD = {
  versionId: 'versionId',
  generation: 'generation',
  highestGeneration: 'highestGeneration',
  tokenExpiresAt: 'tokenExpiresAt',
  refreshedAt: 'refreshedAt',
  recordFence: 'recordFence',
  previousVersionId: 'previousVersionId',
  retryNotBefore: 'retryNotBefore',
  failureCount: 'failureCount',
  failureReason: 'failureReason',
  failureError: 'failureError',
  failedFence: 'failedFence',
  censusNonRemovable: 'censusNonRemovable',
  censusGeneration: 'censusGeneration',
  censusAt: 'censusAt',
  rolledBackAt: 'rolledBackAt',
  rolledBackFrom: 'rolledBackFrom',
  stateFence: 'stateFence',
  mintingFence: 'mintingFence',
  stateLostVersion: 'stateLostVersion',
} as const;

type Attributes = Readonly<Record<string, CommitValue>>;

function num(attributes: Attributes, name: string): number | undefined {
  const value = attributes[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function str(attributes: Attributes, name: string): string | undefined {
  const value = attributes[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

/**
 * Reads the commit record out of a lock item's attributes; unknown or malformed fields are ignored.
 *
 * @example
 * ```ts
 * readCommitRecord(lease.attributes).generation; // 7
 * ```
 */
export function readCommitRecord(attributes: Attributes): CommitRecord {
  const retryNotBefore = num(attributes, RECORD.retryNotBefore);
  const failureCount = num(attributes, RECORD.failureCount);
  const censusNonRemovable = num(attributes, RECORD.censusNonRemovable);
  const censusGeneration = num(attributes, RECORD.censusGeneration);
  const refreshState = defined({
    savedFence: num(attributes, RECORD.stateFence),
    mintingFence: num(attributes, RECORD.mintingFence),
    lostVersionId: str(attributes, RECORD.stateLostVersion),
  });
  return defined<CommitRecord>({
    versionId: str(attributes, RECORD.versionId),
    generation: num(attributes, RECORD.generation),
    highestGeneration: num(attributes, RECORD.highestGeneration),
    tokenExpiresAt: num(attributes, RECORD.tokenExpiresAt),
    refreshedAt: num(attributes, RECORD.refreshedAt),
    recordFence: num(attributes, RECORD.recordFence),
    previousVersionId: str(attributes, RECORD.previousVersionId),
    failure:
      retryNotBefore === undefined || failureCount === undefined
        ? undefined
        : {
            reason: str(attributes, RECORD.failureReason) ?? 'unknown',
            errorName: str(attributes, RECORD.failureError) ?? 'Error',
            failureCount,
            retryNotBefore,
            fence: num(attributes, RECORD.failedFence) ?? 0,
          },
    census:
      censusNonRemovable === undefined || censusGeneration === undefined
        ? undefined
        : { nonRemovable: censusNonRemovable, generation: censusGeneration, takenAt: num(attributes, RECORD.censusAt) ?? 0 },
    rolledBackAt: num(attributes, RECORD.rolledBackAt),
    rolledBackFrom: str(attributes, RECORD.rolledBackFrom),
    refreshState: Object.keys(refreshState).length === 0 ? undefined : refreshState,
  });
}

/** The attributes that clear a recorded failure. */
export const CLEAR_FAILURE: Record<string, null> = {
  [RECORD.retryNotBefore]: null,
  [RECORD.failureCount]: null,
  [RECORD.failureReason]: null,
  [RECORD.failureError]: null,
  [RECORD.failedFence]: null,
};

/** The attributes recording which version is current, written with a release. */
export function currentVersionAttributes(current: {
  versionId: string;
  generation: number;
  expiresAt: number;
  refreshedAt: number;
  fence: number;
  highestGeneration: number;
}): Record<string, CommitValue | null> {
  return {
    [RECORD.versionId]: current.versionId,
    [RECORD.generation]: current.generation,
    [RECORD.highestGeneration]: current.highestGeneration,
    [RECORD.tokenExpiresAt]: current.expiresAt,
    [RECORD.refreshedAt]: current.refreshedAt,
    [RECORD.recordFence]: current.fence,
    ...CLEAR_FAILURE,
  };
}
