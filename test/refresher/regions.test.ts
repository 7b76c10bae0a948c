import { ReplicateSecretToRegionsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SdkCallCounter } from '../../devkit/sdk-counters.js';
import type { RefresherEvent } from '../../src/refresher/events.js';
import { status } from '../../src/refresher/operations.js';
import { TokenRefresher } from '../../src/refresher/token-refresher.js';
import { ConfigurationError } from '../../src/shared/errors.js';
import { LOCAL_AWS } from '../support/dynamodb.js';
import { makeRig, startRefresherStack, type RefresherStack, type Rig } from './harness.js';

const PRIMARY = 'us-east-1';
const REPLICA = 'eu-west-1';
const HOUR = 3_600_000;

describe('Class: TokenRefresher (a replica in another Region)', () => {
  let stack: RefresherStack;
  beforeAll(async () => {
    stack = await startRefresherStack();
  });
  afterAll(() => stack.close());

  /** A Secrets Manager client of `region` on the emulator, with its own request counts. */
  function regional(region: string): { client: SecretsManagerClient; counter: SdkCallCounter } {
    const counter = new SdkCallCounter();
    return { client: counter.attach(new SecretsManagerClient({ ...LOCAL_AWS, region, endpoint: stack.emulator.endpoint })), counter };
  }

  /** A secret refreshed once in the primary Region and replicated to the replica Region. */
  async function replicatedSecret(): Promise<{ secretId: string; lockTable: string; writer: Rig }> {
    const secretId = stack.secretName('regions');
    const lockTable = await stack.table();
    const writer = makeRig(stack, { secretId, lockTable });
    await writer.refresher.getToken();
    await writer.clients.secretsManager.send(new ReplicateSecretToRegionsCommand({ SecretId: secretId, AddReplicaRegions: [{ Region: REPLICA }] }));
    return { secretId, lockTable, writer };
  }

  function readerIn(stackParts: { secretId: string; lockTable: string; writer: Rig }) {
    const local = regional(REPLICA);
    const primary = regional(PRIMARY);
    const reader = makeRig(
      stack,
      {
        secretId: stackParts.secretId,
        lockTable: stackParts.lockTable,
        primaryRegion: PRIMARY,
        secretsManager: local.client,
        primarySecretsManager: primary.client,
      },
      { clock: stackParts.writer.clock, issuer: stackParts.writer.issuer },
    );
    return { reader, local: local.counter, primary: primary.counter };
  }

  it('reads the token from its own Region’s replica, sending nothing to the primary', async () => {
    const replicated = await replicatedSecret();
    const { reader, local, primary } = readerIn(replicated);

    const result = await reader.refresher.getToken();

    expect(result).toMatchObject({ source: 'secret', generation: 1 });
    expect(local.snapshot().attempts).toEqual({ GetSecretValue: 1 });
    expect(primary.snapshot().attempts).toEqual({});
    await reader.refresher.close();
    await replicated.writer.refresher.close();
  });

  it('never serves an older generation while its replica lags: past the commit record it reads the primary, with no lease write', async () => {
    const replicated = await replicatedSecret();
    const { writer } = replicated;
    const { reader, primary } = readerIn(replicated);
    expect((await reader.refresher.getToken()).generation).toBe(1);

    stack.emulator.replication.configure({ paused: true });
    try {
      // Past every refresh point of generation 1 (5 to 2.5 minutes before expiry), still valid: the writer refreshes in the primary.
      writer.clock.advance(HOUR - 2 * 60_000);
      expect((await writer.refresher.refreshNow()).generation).toBe(2);
      const writesBefore = reader.clients.counter.snapshot().attempts.UpdateItem ?? 0;

      const served = await reader.refresher.getToken({ awaitRefresh: true });

      expect(served).toMatchObject({ generation: 2, source: 'secret' });
      expect(reader.record.of('replica-behind')).toEqual([{ type: 'replica-behind', replicaGeneration: 1, recordedGeneration: 2 }]);
      expect(primary.snapshot().attempts.GetSecretValue).toBe(1);
      expect((reader.clients.counter.snapshot().attempts.UpdateItem ?? 0) - writesBefore).toBe(0);
      expect(reader.issuer.minted).toHaveLength(2);
      expect((await reader.refresher.getToken()).generation).toBe(2);
    } finally {
      stack.emulator.replication.configure({ paused: false });
    }
    await reader.refresher.close();
    await writer.refresher.close();
  });

  it('as the lease holder, re-reads and writes the primary, and the replica serves the new version once replicated', async () => {
    const replicated = await replicatedSecret();
    const { reader, local, primary } = readerIn(replicated);
    await reader.refresher.getToken();

    const refreshed = await reader.refresher.refreshNow();

    expect(refreshed).toMatchObject({ source: 'refreshed', generation: 2 });
    expect(primary.snapshot().attempts).toMatchObject({ GetSecretValue: 1, PutSecretValue: 1, UpdateSecretVersionStage: 1 });
    expect(local.snapshot().attempts.PutSecretValue).toBeUndefined();
    const elsewhere = readerIn(replicated);
    expect((await elsewhere.reader.refresher.getToken()).versionId).toBe(refreshed.versionId);
    expect(elsewhere.primary.snapshot().attempts).toEqual({});
    await Promise.all([reader.refresher.close(), elsewhere.reader.refresher.close(), replicated.writer.refresher.close()]);
  });

  it('status reports each replica’s version against the primary’s, and how long a lagging one has been behind', async () => {
    const replicated = await replicatedSecret();
    const { writer } = replicated;
    const replicaClient = regional(REPLICA).client;
    const inspect = () =>
      status({
        secretId: replicated.secretId,
        lockTable: replicated.lockTable,
        secretsManager: writer.clients.secretsManager,
        dynamodb: writer.clients.dynamodb,
        clock: writer.clock,
        replicaRegions: [REPLICA],
        replicaSecretsManager: () => replicaClient,
      });
    const inSync = await inspect();
    expect(inSync.replicas).toEqual([{ region: REPLICA, versionId: inSync.current?.versionId, generation: 1, inSync: true, behindMs: undefined }]);

    stack.emulator.replication.configure({ paused: true });
    try {
      await writer.refresher.refreshNow();
      writer.clock.advance(5_000);
      const behind = await inspect();
      expect(behind.current?.generation).toBe(2);
      expect(behind.replicas?.[0]).toMatchObject({ region: REPLICA, versionId: inSync.current?.versionId, generation: 1, inSync: false });
      expect(behind.replicas?.[0]?.behindMs).toBeGreaterThanOrEqual(5_000);
    } finally {
      stack.emulator.replication.configure({ paused: false });
    }
    await expect(inspect().then((report) => report.replicas?.[0]?.inSync)).resolves.toBe(true);
    await expect(status({ secretId: replicated.secretId, lockTable: replicated.lockTable, replicaRegions: ['Ireland'] })).rejects.toThrow(
      /"replicaRegions" must list AWS Regions/,
    );
    await writer.refresher.close();
  });

  it('warns once, at construction, when the stated replication lag exceeds what the refresh window leaves replicas', () => {
    const refresh = () => ({ token: 't', expiresAt: Date.now() + HOUR });
    const base = { secretId: 'regional-token', lockTable: 'regional-locks', refresh, primaryRegion: PRIMARY, expectedLifetimeMs: HOUR };
    // An hour's token: a 5-minute window, refreshes by 2.5 minutes before expiry, 30 s minimum validity, a 10 s lease: 110 s of margin.
    const events: RefresherEvent[] = [];
    const warnings: string[] = [];
    const logger = { debug: () => undefined, info: () => undefined, warn: (message: string) => warnings.push(message), error: () => undefined };
    new TokenRefresher({ ...base, replicationLagMs: 120_000, logger, onEvent: (event) => events.push(event) });
    expect(events).toEqual([{ type: 'replication-lag-warning', replicationLagMs: 120_000, marginMs: 110_000, lifetimeMs: HOUR }]);
    expect(warnings).toEqual([expect.stringMatching(/lag of 120000 ms exceeds the 110000 ms/)]);

    const calm: RefresherEvent[] = [];
    new TokenRefresher({ ...base, replicationLagMs: 110_000, onEvent: (event) => calm.push(event) });
    expect(calm).toEqual([]);
    expect(() => new TokenRefresher({ ...base, primaryRegion: undefined, replicationLagMs: 1_000 })).toThrow(
      /"replicationLagMs" needs "primaryRegion"/,
    );
  });

  it('refuses a primaryRegion that is not a Region name, an ARN for the secret, and a primary client without its Region', () => {
    const refresh = () => ({ token: 't', expiresAt: Date.now() + HOUR });
    const base = { secretId: 'regional-token', lockTable: 'regional-locks', refresh };
    expect(() => new TokenRefresher({ ...base, primaryRegion: 'Virginia' })).toThrow(/"primaryRegion" must be an AWS Region name/);
    expect(
      () => new TokenRefresher({ ...base, secretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:token-AbCdEf', primaryRegion: PRIMARY }),
    ).toThrow(/must be the secret's name when "primaryRegion" is set/);
    expect(() => new TokenRefresher({ ...base, primarySecretsManager: new SecretsManagerClient({}) })).toThrow(ConfigurationError);
  });
});
