import { describe, expect, it } from 'vitest';
import {
  checkTargets,
  classifyDynamodbCalls,
  countCutOffAtEnd,
  countRounds,
  heartbeatsPerHold,
  projectRun,
} from '../../../scripts/loadtest/analysis.js';
import { failingRuns } from '../../../scripts/loadtest/regions.js';
import { DEFAULT_PRICES } from '../../../scripts/loadtest/prices.js';
import { runResultFixture } from '../support/run-result-fixture.js';

describe('Function: countRounds', () => {
  it('counts a herd of calls close together as one refresh round', () => {
    expect(countRounds([0, 5, 9, 4_000, 4_010, 8_000], 4_000)).toBe(3);
    expect(countRounds([], 4_000)).toBe(0);
  });
});

describe('Function: classifyDynamodbCalls', () => {
  it('splits reads from writes and ignores table administration', () => {
    expect(classifyDynamodbCalls({ GetItem: 3, Query: 1, UpdateItem: 5, PutItem: 1, DescribeTable: 9 })).toEqual({ reads: 4, writes: 6 });
  });
});

describe('Function: projectRun', () => {
  it('scales measured counts to versions per day and to a monthly bill at the given prices', () => {
    const run = runResultFixture({
      measuredMs: 60_000,
      versions: { created: 6, alive: 6 },
      idp: { calls: 6, minted: 6, failed: 0, abandoned: 0, cutOffAtEnd: 0 },
      secretsManager: { countedBy: 'emulator', calls: { GetSecretValue: 100 }, throttled: 0, errors: {} },
      dynamodb: { reads: 60, writes: 12, failedConditionalWrites: 0, operations: {} },
    });
    const projection = projectRun(run, { ...DEFAULT_PRICES, identityProviderPerCall: 0.001 });
    expect(projection.versionsPer24h).toBe(6 * 1_440);
    expect(projection.withinQuota).toBe(false);
    expect(projection.secretsManagerCallsPerMonth).toBe(100 * 1_440 * 30);
    expect(projection.monthlyUsd.secretsManagerCalls).toBeCloseTo((4_320_000 / 10_000) * 0.05, 6);
    expect(projection.monthlyUsd.dynamodb).toBeCloseTo((2_592_000 / 1e6) * 0.125 + (518_400 / 1e6) * 0.625, 6);
    expect(projection.monthlyUsd.identityProvider).toBeCloseTo(259_200 * 0.001, 6);
    expect(projection.monthlyUsd.total).toBeCloseTo(
      0.4 + projection.monthlyUsd.secretsManagerCalls + projection.monthlyUsd.dynamodb + projection.monthlyUsd.identityProvider,
      6,
    );
    expect(projection.pricesReadOn).toBe(DEFAULT_PRICES.readOn);
  });

  it('keeps a day-long token well within the version quota', () => {
    const run = runResultFixture({ measuredMs: 86_400_000, versions: { created: 2, alive: 2 } });
    expect(projectRun(run, DEFAULT_PRICES)).toMatchObject({ versionsPer24h: 2, withinQuota: true });
  });
});

describe('Function: checkTargets', () => {
  it('passes a locked run that meets every target', () => {
    const checks = checkTargets(runResultFixture());
    expect(checks.length).toBeGreaterThanOrEqual(8);
    expect(checks.filter((check) => !check.ok)).toEqual([]);
  });

  it('holds only in-process callers to the sub-millisecond latency target, not reads through the Agent API', () => {
    const slowOverHttp = { latencyWhileValidMs: { calls: 10, p50: 0.5, p99: 30, max: 40 } };
    const latencyCheck = (clients: 'node' | 'extension' | 'mixed') =>
      checkTargets(runResultFixture({ ...slowOverHttp, clients })).find((check) => check.name.startsWith('p99 getToken latency'));
    expect(latencyCheck('node')).toMatchObject({ ok: false, actual: 30 });
    expect(latencyCheck('extension')).toBeUndefined();
    expect(latencyCheck('mixed')).toBeUndefined();
  });

  it('fails each target that a locked run misses', () => {
    const run = runResultFixture({
      idp: { calls: 5, minted: 5, failed: 0, abandoned: 0, cutOffAtEnd: 0 },
      versions: { created: 4, alive: 4 },
      validity: { minRemainingMs: -5, servedExpired: 2, servedBelowMinValidity: 3, olderAfterNewer: 1 },
      latencyWhileValidMs: { calls: 10, p50: 0.5, p99: 3, max: 4 },
      steadyState: {
        generations: 2,
        dynamodbReads: 4,
        dynamodbWrites: 9,
        failedConditionalWrites: 2,
        getSecretValueMaxPerProcess: 7,
        operations: {},
      },
    });
    const failed = checkTargets(run)
      .filter((check) => !check.ok)
      .map((check) => check.name);
    expect(failed).toEqual([
      'tokens served expired',
      'older token served after a newer one (rollback)',
      'versions created per generation',
      'IdP calls per generation',
      'DynamoDB writes per generation (after cold start)',
      'failed conditional writes (after cold start)',
      'GetSecretValue per process per generation (after cold start)',
      'p99 getToken latency with a valid token (ms)',
    ]);
  });

  it('allows the holder one heartbeat more for each heartbeat period its slowest successful IdP call took', () => {
    const base = runResultFixture();
    const withIdpCall = (ms: number, ok: boolean | null = true) =>
      runResultFixture({
        timeline: { ...base.timeline, idpIntervals: [...base.timeline.idpIntervals, { worker: 2, from: 9_000, to: 9_000 + ms, ok }] },
      });
    // leaseMs 1 000: heartbeats every 333 ms.
    expect(heartbeatsPerHold(base)).toBe(1);
    expect(heartbeatsPerHold(withIdpCall(332))).toBe(1);
    expect(heartbeatsPerHold(withIdpCall(333))).toBe(2);
    expect(heartbeatsPerHold(withIdpCall(700))).toBe(3);
    expect(heartbeatsPerHold(withIdpCall(5_000, false))).toBe(1);
    expect(heartbeatsPerHold(withIdpCall(5_000, null))).toBe(1);
    const writes = (run: ReturnType<typeof runResultFixture>) =>
      checkTargets(run).find((check) => check.name.startsWith('DynamoDB writes per generation'));
    const busy = { ...base.steadyState, dynamodbWrites: 8 };
    expect(writes(runResultFixture({ steadyState: busy }))).toMatchObject({ ok: false, actual: 4, limit: '≤ 3' });
    expect(writes({ ...withIdpCall(500), steadyState: busy })).toMatchObject({ ok: true, actual: 4, limit: '≤ 4' });
  });

  it('leaves an IdP call cut off by the end of the run out of the per-generation count', () => {
    const run = runResultFixture({ idp: { calls: 4, minted: 3, failed: 0, abandoned: 1, cutOffAtEnd: 1 } });
    expect(checkTargets(run).find((check) => check.name === 'IdP calls per generation')).toMatchObject({ ok: true, actual: 1 });
    const duplicate = runResultFixture({ idp: { calls: 4, minted: 4, failed: 0, abandoned: 0, cutOffAtEnd: 0 } });
    expect(checkTargets(duplicate).find((check) => check.name === 'IdP calls per generation')).toMatchObject({ ok: false });
  });

  it('bounds the takeover after a killed holder by lease plus poll interval, from when the fleet first needed the lease', () => {
    const fault = { kind: 'kill-holder' as const, description: '', recoveryBoundMs: 1_250 };
    const late = runResultFixture({ fault: { ...fault, recoveryMs: 1_500, takeoverAfterContentionMs: 1_300 } });
    const inTime = runResultFixture({ fault: { ...fault, recoveryMs: 1_900, takeoverAfterContentionMs: 1_100 } });
    const never = runResultFixture({ fault });
    const recovery = (run: ReturnType<typeof runResultFixture>) => checkTargets(run).find((check) => check.name.startsWith('takeover after'));
    expect(recovery(late)?.ok).toBe(false);
    expect(recovery(inTime)?.ok).toBe(true);
    expect(recovery(never)?.ok).toBe(false);
  });

  it('reports whether a baseline herds instead of holding it to the locked targets', () => {
    const herd = runResultFixture({ strategy: 'naive', rounds: 3, idp: { calls: 24, minted: 24, failed: 0, abandoned: 0, cutOffAtEnd: 0 } });
    expect(checkTargets(herd)).toEqual([{ name: 'herd: IdP calls per refresh round', ok: true, actual: 8, limit: '> 1 shows the herd' }]);
  });
});

describe('Function: checkTargets (rotating provider)', () => {
  const grant = { revokedByWorker: null, invalidGrants: 0, refreshTokensIssued: 4, stateLostAtCallers: 0 };
  const revokedCheck = (run: ReturnType<typeof runResultFixture>) =>
    checkTargets(run).find((check) => check.name.startsWith('rotating grant revoked'));

  it('fails a locked run whose grant was revoked, and passes one whose grant stood', () => {
    const stood = runResultFixture({ idpKind: 'rotating', grant: { ...grant, revokedAtMs: null } });
    const revoked = runResultFixture({ idpKind: 'rotating', grant: { ...grant, revokedAtMs: 2_500, revokedByWorker: 1, invalidGrants: 2 } });
    expect(revokedCheck(stood)).toMatchObject({ ok: true, actual: null });
    expect(revokedCheck(revoked)).toMatchObject({ ok: false, actual: 2.5 });
  });

  it('under kill-holder, excuses only a revocation that a kill between the answer and the state write caused', () => {
    const rotation = { strikes: [], inWindow: 1, afterStateWrite: 1, recovered: 1, stateLost: 1 };
    const fault = { kind: 'kill-holder' as const, description: '', recoveryBoundMs: 1_250, takeoverAfterContentionMs: 900 };
    const lostToAKill = runResultFixture({
      idpKind: 'rotating',
      fault: { ...fault, rotation },
      grant: { ...grant, revokedAtMs: 20_000, revokedByWorker: 3, invalidGrants: 1 },
    });
    const lostOtherwise = runResultFixture({
      idpKind: 'rotating',
      fault: { ...fault, rotation: { ...rotation, inWindow: 0, stateLost: 0, afterStateWrite: 2, recovered: 2 } },
      grant: { ...grant, revokedAtMs: 20_000, revokedByWorker: 3, invalidGrants: 1 },
    });
    expect(revokedCheck(lostToAKill)?.ok).toBe(true);
    expect(revokedCheck(lostOtherwise)?.ok).toBe(false);
  });
});

describe('Function: failingRuns', () => {
  it('is what --check fails on: a locked run that missed a target, never a baseline showing its problem', () => {
    const grant = { revokedByWorker: 2, invalidGrants: 50, refreshTokensIssued: 2, stateLostAtCallers: 0 };
    const withTargets = (run: ReturnType<typeof runResultFixture>) => ({ ...run, targets: checkTargets(run) });
    const naiveRevoked = withTargets(runResultFixture({ strategy: 'naive', idpKind: 'rotating', grant: { ...grant, revokedAtMs: 300 } }));
    const lockedStood = withTargets(runResultFixture({ idpKind: 'rotating', grant: { ...grant, revokedAtMs: null, invalidGrants: 0 } }));
    const lockedRevoked = withTargets(runResultFixture({ idpKind: 'rotating', grant: { ...grant, revokedAtMs: 4_000 } }));
    expect(failingRuns([naiveRevoked, lockedStood])).toEqual([]);
    expect(failingRuns([naiveRevoked, lockedStood, lockedRevoked])).toEqual([lockedRevoked]);
  });
});

describe('Function: countCutOffAtEnd', () => {
  const mints = [
    { worker: 1, receivedAt: 50_000, outcome: 'minted' as const }, // long before the end
    { worker: 2, receivedAt: 59_500, outcome: 'abandoned' as const },
    { worker: 3, receivedAt: 60_002, outcome: 'minted' as const }, // answered, but its process closed first
    { worker: 4, receivedAt: 59_400, outcome: 'minted' as const }, // answered and committed
  ];
  const activities = [{ worker: 4, kind: 'event', type: 'refreshed', at: 59_450 }];

  it('counts a late call a rotating provider answered for a locked process that never committed it', () => {
    expect(countCutOffAtEnd({ mints, activities, from: 59_000, rotatingLocked: true })).toBe(2);
  });

  it('counts only calls the provider saw abandoned or still held otherwise', () => {
    expect(countCutOffAtEnd({ mints, activities, from: 59_000, rotatingLocked: false })).toBe(1);
  });
});

describe('Function: checkTargets (kill-holder on a rotating provider)', () => {
  const strike = { worker: 1, atMs: 11_000, killAfterAnswerMs: 35, phase: 'after-state-write' as const, followed: 'recovered' as const };
  const rotation = { inWindow: 0, afterStateWrite: 2, recovered: 2, stateLost: 0 };
  const fault = { kind: 'kill-holder' as const, description: '', recoveryBoundMs: 2_250 };
  const takeoverCheck = (run: ReturnType<typeof runResultFixture>) => checkTargets(run).find((check) => check.name.startsWith('takeover after'));

  it('has no takeover to bound when no strike left a held lease anyone waited on', () => {
    const run = runResultFixture({ idpKind: 'rotating', fault: { ...fault, rotation: { ...rotation, strikes: [strike, strike] } } });
    expect(takeoverCheck(run)).toMatchObject({ ok: true, actual: null });
  });

  it('bounds the slowest takeover when a strike needed one', () => {
    const waitedOn = { ...strike, firstContentionMs: 300, takeoverAfterContentionMs: 2_600 };
    const run = runResultFixture({
      idpKind: 'rotating',
      fault: { ...fault, takeoverAfterContentionMs: 2_600, rotation: { ...rotation, strikes: [strike, waitedOn] } },
    });
    expect(takeoverCheck(run)).toMatchObject({ ok: false, actual: 2_600 });
  });
});
