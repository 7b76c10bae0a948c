import { describe, expect, it } from 'vitest';
import { runLoadTest } from '../../../scripts/loadtest/harness.js';
import { resolveLoadTestOptions } from '../../../scripts/loadtest/options.js';
import type { RunResult } from '../../../scripts/loadtest/run-result.js';

// The CI form of the load test: real worker processes on the embedded stack, few and short.
// Only count-based outcomes are asserted; latency and recovery-time targets are measured by
// `npm run loadtest` (timed assertions do not belong in the suite).
const options = resolveLoadTestOptions({
  processes: 3,
  concurrency: 5,
  lifetimeMs: 5_000,
  durationMs: 8_000,
  leaseMs: 1_500,
  thinkMs: 10,
  progress: false,
});

const ISSUED_TOKEN_PREFIX = 'lt1.';

function expectNoTokenIn(result: RunResult): void {
  expect(JSON.stringify(result)).not.toContain(ISSUED_TOKEN_PREFIX);
}

describe('Function: runLoadTest', () => {
  it('shows the locked strategy refreshing exactly once per generation across processes, never serving an expired or older token', async () => {
    const result = await runLoadTest('locked', 'none', options);
    // Every IdP call made one version (a refresh cut off when the workers close at the end excepted),
    // and every version was promoted and served, except possibly the last one: closing a refresher at
    // the deadline aborts a refresh between its pending write and its promotion.
    expect(result.generations).toBeGreaterThanOrEqual(2);
    expect(result.idp.calls - result.idp.cutOffAtEnd).toBe(result.versions.created);
    expect(result.versions.created - result.generations).toBeGreaterThanOrEqual(0);
    expect(result.versions.created - result.generations).toBeLessThanOrEqual(1);
    expect(result.secretsManager.calls.PutSecretValue).toBe(result.versions.created);
    expect(result.versions.created - (result.secretsManager.calls.UpdateSecretVersionStage ?? 0)).toBeGreaterThanOrEqual(0);
    expect(result.versions.created - (result.secretsManager.calls.UpdateSecretVersionStage ?? 0)).toBeLessThanOrEqual(1);
    expect(result.validity.servedExpired).toBe(0);
    expect(result.validity.servedBelowMinValidity).toBe(0);
    expect(result.validity.olderAfterNewer).toBe(0);
    expect(result.errors).toEqual({});
    expect(result.latencyMs.calls).toBeGreaterThan(100);
    expectNoTokenIn(result);
  });

  it('keeps one refresh per generation when half the processes read through the Agent API of an extension', async () => {
    const result = await runLoadTest('locked', 'none', { ...options, clients: 'mixed' });
    expect(result.clients).toBe('mixed');
    expect(result.generations).toBeGreaterThanOrEqual(2);
    expect(result.idp.calls - result.idp.cutOffAtEnd).toBe(result.versions.created);
    expect(result.versions.created - result.generations).toBeGreaterThanOrEqual(0);
    expect(result.versions.created - result.generations).toBeLessThanOrEqual(1);
    expect(result.validity.servedExpired).toBe(0);
    expect(result.validity.olderAfterNewer).toBe(0);
    expect(result.errors).toEqual({});
    expect(result.latencyMs.calls).toBeGreaterThan(100);
    expectNoTokenIn(result);
  });

  it('shows the naive blog-post pattern herding: several IdP calls and versions per refresh round', async () => {
    const result = await runLoadTest('naive', 'none', options);
    expect(result.rounds).toBeGreaterThanOrEqual(2);
    expect(result.idp.calls).toBeGreaterThan(result.rounds);
    expect(result.versions.created).toBeLessThanOrEqual(result.secretsManager.calls.PutSecretValue ?? 0);
    expect(result.versions.created).toBeGreaterThan(result.rounds);
    expect(result.targets).toEqual([expect.objectContaining({ name: 'herd: IdP calls per refresh round', ok: true })]);
    expectNoTokenIn(result);
  });

  it('runs the in-process single-flight baseline on the same workload and counts what it costs', async () => {
    const result = await runLoadTest('in-process', 'none', options);
    expect(result.rounds).toBeGreaterThanOrEqual(2);
    expect(result.idp.calls).toBeGreaterThanOrEqual(result.rounds);
    expect(result.idp.calls).toBeLessThanOrEqual(options.processes * result.rounds);
    expect(result.versions.created).toBe(result.idp.minted);
    expect(result.validity.servedExpired).toBe(0);
    expect(result.errors).toEqual({});
    expectNoTokenIn(result);
  });
});
