import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { METRIC_NAMES, powertoolsListener } from '../../src/powertools/index.js';
import type { RefresherEvent } from '../../src/refresher/events.js';

afterEach(() => vi.restoreAllMocks());

function printedJson(run: () => void): Record<string, unknown>[] {
  const written: string[] = [];
  // Metrics prints to stdout; Logger prints warnings and errors to stderr.
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
  }
  run();
  vi.restoreAllMocks();
  return written
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const EVENTS: RefresherEvent[] = [
  { type: 'refresh-started', fence: 3, generation: 2 },
  {
    type: 'refreshed',
    fence: 3,
    generation: 2,
    versionId: 'v-2',
    expiresAt: 2_000_000,
    durationMs: 250,
    refreshDurationMs: 200,
    commitDurationMs: 40,
  },
  { type: 'lease-busy', holder: 'other', fence: 3 },
  { type: 'lease-lost', fence: 3, stage: 'commit' },
  { type: 'served', source: 'memory', generation: 2, versionId: 'v-2', remainingMs: 90_000, minValidityMs: 30_000, ageMs: 210_000 },
  { type: 'refresh-failed', fence: 4, reason: 'idp down', errorName: 'Error', failureCount: 1, retryNotBefore: 0, durationMs: 30 },
];

describe('Function: powertoolsListener', () => {
  it('prints one EMF line with each metric, its unit, the namespace and the service dimension', () => {
    const metrics = new Metrics({ namespace: 'TokenRefresher', serviceName: 'api' });
    const [line, ...rest] = printedJson(() => {
      const listener = powertoolsListener({ metrics });
      for (const event of EVENTS) listener(event);
      metrics.publishStoredMetrics();
    });
    expect(rest).toHaveLength(0);
    const aws = (line as { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] } })
      ._aws;
    const [directive] = aws.CloudWatchMetrics;
    expect(directive?.Namespace).toBe('TokenRefresher');
    expect(directive?.Dimensions).toEqual([['service']]);
    expect(Object.fromEntries((directive?.Metrics ?? []).map((metric) => [metric.Name, metric.Unit]))).toEqual({
      [METRIC_NAMES.leaseAcquired]: 'Count',
      [METRIC_NAMES.refreshSucceeded]: 'Count',
      [METRIC_NAMES.refreshDuration]: 'Milliseconds',
      [METRIC_NAMES.leaseHeldByOther]: 'Count',
      [METRIC_NAMES.leaseLost]: 'Count',
      [METRIC_NAMES.remainingValidityAtServe]: 'Milliseconds',
      [METRIC_NAMES.servedTokenAge]: 'Milliseconds',
      [METRIC_NAMES.refreshFailed]: 'Count',
    });
    expect(line).toMatchObject({ service: 'api', RefreshDuration: 250, RemainingValidityAtServe: 90_000, ServedTokenAge: 210_000, RefreshFailed: 1 });
  });

  it('publishes the version headroom of a census', () => {
    const metrics = new Metrics({ namespace: 'TokenRefresher', serviceName: 'api' });
    const census = { total: 12, labelled: 2, createdLast24h: 12, nonRemovable: 12, quota: 100, headroom: 88, guard: 5 };
    const [line] = printedJson(() => {
      powertoolsListener({ metrics })({ type: 'census', census } as RefresherEvent);
      metrics.publishStoredMetrics();
    });
    expect(line).toMatchObject({ VersionHeadroom: 88 });
  });

  it('counts GrantLost for a refresh whose refresh state the provider refused, and only for that reason', () => {
    const metrics = new Metrics({ namespace: 'TokenRefresher', serviceName: 'api' });
    const failed = {
      type: 'refresh-failed',
      fence: 4,
      errorName: 'RefreshStateLostError',
      failureCount: 1,
      retryNotBefore: 0,
      durationMs: 30,
    } as const;
    const [line] = printedJson(() => {
      const listener = powertoolsListener({ metrics });
      listener({ ...failed, reason: 'state-lost' });
      listener({ ...failed, reason: 'error' });
      metrics.publishStoredMetrics();
    });
    expect(line).toMatchObject({ GrantLost: 1, RefreshFailed: [1, 1] });
  });

  it('logs a failed refresh as an error and a lost lease as a warning, with the event fields', () => {
    const metrics = new Metrics({ namespace: 'TokenRefresher', serviceName: 'api' });
    const logger = new Logger({ serviceName: 'api', logLevel: 'INFO' });
    const lines = printedJson(() => {
      const listener = powertoolsListener({ metrics, logger });
      listener({ type: 'refresh-failed', fence: 4, reason: 'idp down', errorName: 'TypeError', failureCount: 2, retryNotBefore: 0, durationMs: 30 });
      listener({ type: 'lease-lost', fence: 4, stage: 'commit' });
      listener({ type: 'refresh-started', fence: 5, generation: 3 });
    });
    expect(lines).toEqual([
      expect.objectContaining({ level: 'ERROR', message: 'token refresh failed', errorName: 'TypeError', failureCount: 2, service: 'api' }),
      expect.objectContaining({ level: 'WARN', message: 'token refresher: lease-lost', stage: 'commit', fence: 4 }),
    ]);
  });
});
