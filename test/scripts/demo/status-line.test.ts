import { describe, expect, it } from 'vitest';
import type { SecretStatus } from '../../../src/index.js';
import { CallRecorder } from '../../../scripts/loadtest/call-recorder.js';
import type { DemoFleet } from '../../../scripts/demo/demo-fleet.js';
import { formatDemoStatus } from '../../../scripts/demo/status-line.js';

function fleetAt(startedAt: number): DemoFleet {
  const recorder = new CallRecorder({ minValidityMs: 2_000, binMs: 1_000 });
  recorder.start(startedAt);
  recorder.served(1, { token: 'opaque-1', source: 'memory' }, 0.05, startedAt + 1_000, { seq: 3, exp: startedAt + 9_500 });
  recorder.served(2, { token: 'opaque-1', source: 'secret' }, 4, startedAt + 2_000, { seq: 3, exp: startedAt + 9_500 });
  return { recorder, counters: [], refreshes: [], versions: new Map(), events: {}, startedAt, stop: async () => {} };
}

const secret = {
  current: { versionId: 'v3', stages: ['AWSCURRENT'], createdAt: undefined, format: 'envelope', generation: 3, remainingMs: 7_250 },
  lease: { held: true, holder: 'lambda-4', fence: 9 },
  census: { total: 4 },
} as unknown as SecretStatus;

describe('Function: formatDemoStatus', () => {
  it('shows generation, time left, lease holder, IdP calls, versions, tokens served and the least validity', () => {
    const line = formatDemoStatus(fleetAt(10_000), secret, 3, 22_000);
    expect(line).toBe('t= 12s  generation 3 (7.3s left)  lease lambda-4  IdP calls 3  versions 4  served 2  min validity 7.5s  expired 0  errors 0');
  });

  it('says free and shows dashes before anything is known, and never prints a token', () => {
    const line = formatDemoStatus(fleetAt(0), undefined, 0, 500);
    expect(line).toContain('generation –');
    expect(line).toContain('lease free');
    expect(line).toContain('versions –');
    expect(line).not.toContain('opaque');
  });

  it('under a rotating provider, says whether the grant stands', () => {
    expect(formatDemoStatus(fleetAt(0), secret, 2, 500, { revoked: false })).toMatch(/errors 0 {2}grant alive$/);
    expect(formatDemoStatus(fleetAt(0), secret, 2, 500, { revoked: true })).toMatch(/grant REVOKED$/);
    expect(formatDemoStatus(fleetAt(0), secret, 2, 500)).not.toContain('grant');
  });
});
