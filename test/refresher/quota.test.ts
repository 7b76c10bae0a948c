import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VersionQuotaError } from '../../src/secret/errors.js';
import { makeRig, startRefresherStack, type RefresherStack } from './harness.js';

/** The emulator refuses the 7th version of a secret (AWS: about 100). */
const EMULATOR_QUOTA = 6;

describe('Class: TokenRefresher (version quota, G7)', () => {
  let stack: RefresherStack;
  beforeAll(async () => {
    stack = await startRefresherStack({ maxVersionsPerSecret: EMULATOR_QUOTA });
  });
  afterAll(() => stack.close());

  it('refuses with VersionQuotaError before the quota is reached, from its census', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const rig = makeRig(stack, { secretId, lockTable, versionQuota: EMULATOR_QUOTA, quotaGuard: 2 });
    for (let generation = 1; generation <= 4; generation += 1) {
      expect((await rig.refresher.refreshNow()).generation).toBe(generation);
    }

    const error = await rig.refresher.refreshNow().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(VersionQuotaError);
    const census = (error as VersionQuotaError).census;
    expect(census).toMatchObject({ total: 4, nonRemovable: 4, createdLast24h: 4, quota: EMULATOR_QUOTA, headroom: 2, guard: 2 });
    expect((error as Error).message).toContain(secretId);
    expect(rig.issuer.minted).toHaveLength(4); // refused before calling the identity provider
    expect(stack.versions(secretId)).toHaveLength(4);
    expect(rig.record.of('refresh-failed').at(-1)).toMatchObject({ reason: 'quota', errorName: 'VersionQuotaError' });
    expect(stack.emulator.stats.snapshot().errors.PutSecretValue?.LimitExceededException).toBeUndefined();
    await rig.refresher.close();
  });

  it('counts versions only when its recorded estimate nears the quota', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const rig = makeRig(stack, { secretId, lockTable, versionQuota: 100 });
    for (let generation = 1; generation <= 3; generation += 1) await rig.refresher.refreshNow();

    expect(rig.clients.counter.snapshot().attempts.ListSecretVersionIds).toBe(1);
    expect(rig.record.of('census')).toHaveLength(1);
    await rig.refresher.close();
  });

  it('turns Secrets Manager LimitExceededException into VersionQuotaError when the guard is off', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const rig = makeRig(stack, { secretId, lockTable, versionQuota: 1_000, quotaGuard: 0 });
    for (let generation = 1; generation <= EMULATOR_QUOTA; generation += 1) await rig.refresher.refreshNow();

    const error = await rig.refresher.refreshNow().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(VersionQuotaError);
    expect((error as VersionQuotaError).census).toBeUndefined();
    expect((error as Error).cause).toMatchObject({ name: 'LimitExceededException' });
    expect(stack.current(secretId)?.generation).toBe(EMULATOR_QUOTA);
    await rig.refresher.close();
  });
});
