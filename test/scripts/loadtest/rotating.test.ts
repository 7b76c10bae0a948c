import { describe, expect, it } from 'vitest';
import { failingRuns } from '../../../scripts/loadtest/regions.js';
import { runLoadTest } from '../../../scripts/loadtest/harness.js';
import { LEAKED_COPY_CALLER } from '../../../scripts/loadtest/leaked-refresh-token.js';
import { resolveLoadTestOptions } from '../../../scripts/loadtest/options.js';
import type { RunResult } from '../../../scripts/loadtest/run-result.js';

// `--idp rotating` in CI form: real worker processes on the embedded stack against the load test's
// rotating provider, few and short. Only outcomes that do not depend on timing are asserted: who
// lost the grant and whether the check saw it, never when.
const options = resolveLoadTestOptions({
  processes: 3,
  concurrency: 5,
  lifetimeMs: 5_000,
  durationMs: 6_000,
  leaseMs: 1_500,
  thinkMs: 10,
  idp: 'rotating',
  progress: false,
});

function expectNoSecretIn(result: RunResult): void {
  const text = JSON.stringify(result);
  expect(text).not.toContain('lt1.'); // access tokens
  expect(text).not.toContain('rt1.'); // refresh tokens
}

function revokedCheck(result: RunResult) {
  return result.targets.find((check) => check.name.startsWith('rotating grant revoked'));
}

describe('Function: runLoadTest (rotating identity provider)', () => {
  it('shows the naive herd presenting one refresh token twice at its first refresh, which revokes the grant', async () => {
    const result = await runLoadTest('naive', 'none', options);
    expect(result.idpKind).toBe('rotating');
    // 15 callers start without a token and all present the seeded refresh token: the second revokes.
    expect(result.grant?.revokedAtMs).not.toBeNull();
    expect(result.grant?.invalidGrants).toBeGreaterThanOrEqual(1);
    expect(result.idp.minted).toBe(1);
    expect(failingRuns([result])).toEqual([]);
    expectNoSecretIn(result);
  });

  it('keeps the locked fleet on one refresh per generation with its grant standing, and passes the check', async () => {
    const result = await runLoadTest('locked', 'none', options);
    expect(result.grant).toMatchObject({ revokedAtMs: null, invalidGrants: 0, stateLostAtCallers: 0 });
    // Each minted token came with the next refresh token, which the fleet presented once.
    expect(result.grant?.refreshTokensIssued).toBe(result.idp.minted + 1);
    expect(result.generations).toBeGreaterThanOrEqual(2);
    expect(result.errors).toEqual({});
    expect(revokedCheck(result)).toMatchObject({ ok: true });
    expectNoSecretIn(result);
  });

  it('fails the check when the locked grant is revoked (a leaked copy of the seeded refresh token, a test-only seam)', async () => {
    const result = await runLoadTest('locked', 'none', { ...options, testSeams: { replaySeededRefreshToken: true } });
    expect(result.grant?.revokedByWorker).toBe(LEAKED_COPY_CALLER);
    expect(revokedCheck(result)).toMatchObject({ ok: false });
    expect(failingRuns([result])).toEqual([result]);
    // After the revocation at most one refresh of the fleet met invalid_grant: it then stops together.
    expect(result.grant?.invalidGrants).toBeGreaterThanOrEqual(1);
    expect(result.grant?.invalidGrants).toBeLessThanOrEqual(2);
    expectNoSecretIn(result);
  });
});
