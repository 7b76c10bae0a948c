import { describe, expect, it } from 'vitest';
import type { FleetSummary } from '../support/fleet.js';
import { eventsOf, range, useFleet } from './fleet-harness.js';

describe('Class: TokenRefresher (a fleet of real processes)', () => {
  const fleet = useFleet();

  it('makes one identity-provider call and one version per generation, serves nothing below the minimum validity, and never makes a token holder wait', async () => {
    const { secretId, history, issuer: idp } = await fleet.start(3, { callers: 8, lifetimeMs: 6_000, leaseMs: 2_000 });

    await fleet.reachGeneration(4);
    const summaries: FleetSummary[] = await Promise.all(fleet.members.map((member) => member.stop()));

    const refreshed = eventsOf(fleet.members, 'refreshed')
      .map((event) => event.generation)
      .sort((a, b) => a - b);
    const generations = refreshed.at(-1) ?? 0;
    expect(generations).toBeGreaterThanOrEqual(4);
    expect(refreshed).toEqual(range(generations)); // each generation refreshed once, by one process
    expect(eventsOf(fleet.members, 'refresh-started')).toHaveLength(generations);
    expect(idp.mints).toHaveLength(generations);
    expect(idp.mints.every((mint) => mint.outcome === 'minted')).toBe(true);
    expect(fleet.stack.versions(secretId)).toHaveLength(generations);
    expect(history).toEqual(range(generations));
    for (const summary of summaries) {
      expect(summary).toMatchObject({ belowMinimum: 0, waitsWithToken: 0, errors: {} });
      expect(summary.minMarginMs).toBeGreaterThanOrEqual(0);
      expect(summary.calls).toBeGreaterThan(0);
    }
    console.info(
      `fleet: ${fleet.members.length} processes x 8 callers, ${generations} generations, ${idp.mints.length} refresh calls, ` +
        `${fleet.stack.versions(secretId).length} versions, ${summaries.reduce((sum, s) => sum + s.calls, 0)} getToken calls, ` +
        `min remaining ${Math.min(...summaries.map((s) => s.minRemainingMs))} ms (min margin over the minimum validity ${Math.min(...summaries.map((s) => s.minMarginMs))} ms)`,
    );
  });

  it('backs off together when the identity provider fails: one provider call per back-off step across the fleet, typed errors once nothing is valid', async () => {
    const { issuer: idp } = await fleet.start(3, { callers: 4, lifetimeMs: 4_000, leaseMs: 1_000 });
    await fleet.reachGeneration(1);
    const healthyMints = idp.mints.length;
    idp.failing = true; // every answer is a 503 from now on

    await Promise.any(
      fleet.members.map((member) =>
        member.when((message) => message.type === 'event' && message.event.type === 'refresh-failed' && message.event.failureCount >= 3),
      ),
    );
    await Promise.all(fleet.members.map((member) => member.when((message) => message.type === 'error' && message.name === 'TokenUnavailableError')));
    const summaries = await Promise.all(fleet.members.map((member) => member.stop()));

    const failures = eventsOf(fleet.members, 'refresh-failed')
      .map((event) => event.failureCount)
      .sort((a, b) => a - b);
    expect(failures).toEqual(range(failures.length)); // each back-off step was taken by exactly one process
    expect(idp.mints.length - healthyMints).toBe(failures.length); // and each step is one call to the provider
    expect(idp.mints.slice(healthyMints).every((mint) => mint.outcome === 'failed')).toBe(true);
    for (const summary of summaries) {
      expect(summary.belowMinimum).toBe(0);
      expect(Object.keys(summary.errors)).toEqual(['TokenUnavailableError']);
    }
  });
});
