import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { envelopeCodec } from '../../src/token/codec.js';
import { eventsOf, range, useFleet } from '../refresher/fleet-harness.js';
import type { ExportedMetric, ExportedTelemetry } from '../support/telemetry-recorder.js';

const directory = mkdtempSync(join(tmpdir(), 'otel-fleet-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function sum(metrics: ExportedMetric[], name: string, attributes: Record<string, unknown>): number {
  return metrics
    .filter((metric) => metric.name === name)
    .flatMap((metric) => metric.dataPoints)
    .filter((point) => Object.entries(attributes).every(([key, value]) => point.attributes[key] === value))
    .reduce((total, point) => total + (typeof point.value === 'number' ? point.value : (point.value as { count: number }).count), 0);
}

describe('Function: openTelemetryListener (a fleet of two real processes)', () => {
  const fleet = useFleet();

  it('exports one refresh span per generation across the processes, the documented metrics, and no token value anywhere', async () => {
    const file = (member: number) => join(directory, `member-${member}.json`);
    const { secretId } = await fleet.start(2, { callers: 4, lifetimeMs: 4_000, leaseMs: 1_500, telemetryFile: file });
    await fleet.reachGeneration(3);
    const summaries = await Promise.all(fleet.members.map((member) => member.stop()));

    const exported = fleet.members.map((member) => JSON.parse(readFileSync(file(member.member), 'utf8')) as ExportedTelemetry);
    const generations = Math.max(...eventsOf(fleet.members, 'refreshed').map((event) => event.generation));
    expect(generations).toBeGreaterThanOrEqual(3);

    const refreshSpans = exported.flatMap((telemetry) => telemetry.spans.filter((span) => span.name === 'token-refresher.refresh'));
    expect(refreshSpans.map((span) => span.attributes['token_refresher.generation']).sort((a, b) => Number(a) - Number(b))).toEqual(
      range(generations),
    );
    expect(refreshSpans.every((span) => span.attributes['token_refresher.outcome'] === 'committed')).toBe(true);
    const spans = exported.flatMap((telemetry) => telemetry.spans);
    for (const refresh of refreshSpans) {
      const children = spans.filter((span) => span.parentSpanId === refresh.spanId).map((span) => span.name);
      expect(children.sort()).toEqual(['token-refresher.refresh.call', 'token-refresher.refresh.commit']);
    }
    const named = (name: string) => spans.filter((span) => span.name === name).length;
    expect(named('token-refresher.lease')).toBe(eventsOf(fleet.members, 'lease-attempt').length);
    expect(named('token-refresher.lease')).toBeGreaterThanOrEqual(generations);
    const servedAfterIo = summaries.reduce((total, summary) => total + summary.servedAfterIo, 0);
    expect(servedAfterIo).toBeGreaterThan(0);
    expect(named('token-refresher.get_token')).toBe(servedAfterIo);
    // Both processes took part: the one that did not refresh a generation saw it from the secret.
    expect(exported.every((telemetry) => telemetry.metrics.some((metric) => metric.name === 'token_refresher.served.remaining_validity'))).toBe(true);

    const metrics = exported.flatMap((telemetry) => telemetry.metrics);
    expect(sum(metrics, 'token_refresher.refreshes', { outcome: 'committed' })).toBe(generations);
    expect(sum(metrics, 'token_refresher.refresh.duration', { outcome: 'committed' })).toBe(generations);
    expect(sum(metrics, 'token_refresher.lease', { outcome: 'acquired' })).toBe(generations);
    expect(sum(metrics, 'token_refresher.lease', { outcome: 'held_by_other' })).toBe(eventsOf(fleet.members, 'lease-busy').length);
    expect(sum(metrics, 'token_refresher.served.remaining_validity', {})).toBeGreaterThan(0);
    expect(sum(metrics, 'token_refresher.served.age', {})).toBe(sum(metrics, 'token_refresher.served.remaining_validity', {}));
    const headroom = metrics.filter((metric) => metric.name === 'token_refresher.versions.headroom').flatMap((metric) => metric.dataPoints);
    expect(headroom.length).toBeGreaterThan(0);
    expect(headroom.every((point) => typeof point.value === 'number' && point.value > 0)).toBe(true);

    const tokens = fleet.stack
      .versions(secretId)
      .map(
        (version) =>
          envelopeCodec.decode(fleet.stack.emulator.model.getSecretValue({ SecretId: secretId, VersionId: version.versionId }).SecretString ?? '')
            .token,
      );
    expect(tokens).toHaveLength(generations);
    const serialized = exported.map((telemetry) => JSON.stringify(telemetry)).join('\n');
    for (const token of tokens) {
      expect(token.length).toBeGreaterThan(10);
      expect(serialized).not.toContain(token);
    }
  });
});
