import { CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { Throttle, TokenBucket } from '../../../src/local/secrets-manager/index.js';
import { ManualClock } from '../../support/manual-clock.js';
import { startEmulatorUnderTest, token, uniqueName } from '../../support/secrets-manager.js';

// The token-bucket throttle at AWS's rates (SM-QUOTA-8, SM-QUOTA-9). Time is injected: a bucket
// refills only when the test moves its clock, so every count below is exact.

describe('Class: TokenBucket', () => {
  it('admits a burst of its capacity, then refills at its rate', () => {
    const clock = new ManualClock(0);
    const bucket = new TokenBucket(50, 50, () => clock.now());
    const admitted = Array.from({ length: 60 }, () => bucket.tryTake()).filter(Boolean).length;
    expect(admitted).toBe(50);
    clock.advance(100); // a tenth of a second refills 5 tokens
    expect(Array.from({ length: 10 }, () => bucket.tryTake()).filter(Boolean).length).toBe(5);
    clock.advance(60_000); // never more than the capacity
    expect(Array.from({ length: 60 }, () => bucket.tryTake()).filter(Boolean).length).toBe(50);
  });
});

describe('Class: Throttle', () => {
  it('shares one bucket across the operations of a group and none across groups', () => {
    const throttle = new Throttle({ ratesPerSecond: { writes: 2 }, now: () => 0 });
    expect([throttle.admit('PutSecretValue'), throttle.admit('UpdateSecretVersionStage'), throttle.admit('UpdateSecret')]).toEqual([
      true,
      true,
      false,
    ]);
    expect(throttle.admit('GetSecretValue')).toBe(true);
  });

  it('turns a group off with 0 or Infinity', () => {
    for (const rate of [0, Number.POSITIVE_INFINITY]) {
      const throttle = new Throttle({ ratesPerSecond: { writes: rate }, now: () => 0 });
      expect(Array.from({ length: 500 }, () => throttle.admit('PutSecretValue')).every(Boolean)).toBe(true);
    }
  });

  it('defaults to AWS rates: 50 writes, 10,000 reads per second', () => {
    const throttle = new Throttle({ now: () => 0 });
    expect(throttle.ratesPerSecond).toMatchObject({ writes: 50, reads: 10_000, batchGet: 100, create: 50 });
  });
});

describe('Function: startSecretsManagerEmulator — throttling over HTTP', () => {
  it('answers writes beyond 50 per second with ThrottlingException and counts them, reads unaffected', async () => {
    const clock = new ManualClock(0);
    const sm = await startEmulatorUnderTest({ rateLimits: {}, throttleClock: () => clock.now() });
    try {
      const client = sm.client();
      const name = uniqueName('throttled');
      await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v0', ClientRequestToken: token('v0') }));
      const outcomes = await Promise.all(
        Array.from({ length: 60 }, (_, index) =>
          client
            .send(
              new PutSecretValueCommand({
                SecretId: name,
                SecretString: `v${index}`,
                ClientRequestToken: token(`p${index}`),
                VersionStages: [`S${index % 10}`],
              }),
            )
            .then(
              () => 'ok',
              (error: Error & { $metadata?: { httpStatusCode?: number } }) => `${error.name}:${error.message}:${error.$metadata?.httpStatusCode}`,
            ),
        ),
      );
      expect(outcomes.filter((outcome) => outcome === 'ok')).toHaveLength(50);
      expect(outcomes.filter((outcome) => outcome === 'ThrottlingException:Rate exceeded:400')).toHaveLength(10);
      const move = client.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'X', MoveToVersionId: token('v0') }));
      await expect(move).rejects.toMatchObject({ name: 'ThrottlingException' });
      expect((await client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('v0');
      const stats = await sm.control('GET', 'stats');
      expect(stats.json['throttled']).toEqual({ PutSecretValue: 10, UpdateSecretVersionStage: 1 });
      expect((stats.json['errors'] as Record<string, unknown>)['PutSecretValue']).toEqual({ ThrottlingException: 10 });
      clock.advance(1000);
      await client.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'X', MoveToVersionId: token('v0') }));
    } finally {
      await sm.close();
    }
  });

  it('lets the SDK ride out throttling with its default retries once the bucket refills', async () => {
    const clock = new ManualClock(0);
    const sm = await startEmulatorUnderTest({ rateLimits: {}, writeRatePerSecond: 1, throttleClock: () => clock.now() });
    try {
      const client = sm.client({ maxAttempts: 3 });
      const name = uniqueName('retried');
      await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v0' }));
      await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v1' }));
      // The bucket is empty and frozen: three attempts, all throttled.
      await expect(client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v2' }))).rejects.toMatchObject({
        name: 'ThrottlingException',
        $metadata: { attempts: 3 },
      });
      clock.advance(1000);
      const accepted = await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v2' }));
      expect(accepted.$metadata.attempts).toBe(1);
    } finally {
      await sm.close();
    }
  });
});
