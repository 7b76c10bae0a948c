import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ReplicaProbe } from '../../../scripts/loadtest/replica-probe.js';

/** A client whose DescribeSecret answers AWSCURRENT on whatever version `current()` names. */
function clientShowing(current: () => string | undefined): SecretsManagerClient {
  return {
    send: async () => {
      const versionId = current();
      return { VersionIdsToStages: versionId === undefined ? {} : { [versionId]: ['AWSCURRENT'], older: ['AWSPREVIOUS'] } };
    },
  } as unknown as SecretsManagerClient;
}

describe('Class: ReplicaProbe', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('times each version from the primary to the replica, and counts a version skipped by a later copy as caught up by it', async () => {
    vi.useFakeTimers({ now: 0, toFake: ['Date'] });
    const shown = { primary: undefined as string | undefined, replica: undefined as string | undefined };
    const probe = new ReplicaProbe(
      'secret',
      'us-east-1',
      new Map([
        ['us-east-1', clientShowing(() => shown.primary)],
        ['eu-west-1', clientShowing(() => shown.replica)],
      ]),
    );
    const at = async (ms: number, primary: string | undefined, replica: string | undefined): Promise<void> => {
      vi.setSystemTime(ms);
      shown.primary = primary;
      shown.replica = replica;
      await probe.poll();
    };
    await at(0, 'v1', undefined);
    await at(1_000, 'v1', 'v1'); // v1: 1,000 ms
    await at(2_000, 'v2', 'v1');
    await at(3_000, 'v3', 'v1'); // paused: v2 never shows in the replica
    await at(7_000, 'v3', 'v3'); // v2 caught up by v3 at 7 s (5,000 ms), v3: 4,000 ms
    expect(probe.observed()).toEqual([
      { region: 'eu-west-1', versionsArrived: 3, versionsMissing: 0, lagMs: { median: 4_000, max: 5_000 }, inSyncAtEnd: true },
    ]);
    await at(8_000, 'v4', 'v3');
    expect(probe.observed()[0]).toMatchObject({ versionsArrived: 3, versionsMissing: 1, inSyncAtEnd: false });
    expect(probe.calls).toBe(12);
  });
});
