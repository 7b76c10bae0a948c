import { CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { createDispatcher, OffsetClock, SecretsManagerModel, Throttle } from '../../../src/local/secrets-manager/index.js';
import { inProcessSecretsManagerClient, type InProcessCallCounts } from '../../../scripts/simulate/in-process-secrets-manager.js';
import { VirtualScheduler } from '../../../scripts/simulate/scheduler.js';

function setUp(options: { writeRatePerSecond?: number } = {}) {
  const scheduler = new VirtualScheduler(Date.UTC(2026, 0, 1));
  const model = new SecretsManagerModel({ clock: new OffsetClock(() => scheduler.now) });
  const counts: InProcessCallCounts = { operations: {}, throttled: 0, errors: {} };
  const throttle =
    options.writeRatePerSecond === undefined
      ? undefined
      : new Throttle({ ratesPerSecond: { writes: options.writeRatePerSecond }, now: () => scheduler.now });
  const client = inProcessSecretsManagerClient({
    dispatch: createDispatcher(model),
    scheduler,
    latencyMs: 8,
    counts,
    ...(throttle === undefined ? {} : { throttle }),
  });
  const complete = <T>(call: Promise<T>): Promise<T> => scheduler.complete(call);
  return { scheduler, model, counts, client, complete };
}

describe('Function: inProcessSecretsManagerClient', () => {
  it('serves the official SDK client from the emulator model, with the label compare-and-swap intact', async () => {
    const { client, complete, counts } = setUp();
    await complete(client.send(new CreateSecretCommand({ Name: 'app/token', SecretString: 'one' })));
    const first = await complete(client.send(new GetSecretValueCommand({ SecretId: 'app/token', VersionStage: 'AWSCURRENT' })));
    const pending = await complete(
      client.send(new PutSecretValueCommand({ SecretId: 'app/token', SecretString: 'two', VersionStages: ['AWSPENDING'] })),
    );
    const wrong = complete(
      client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: 'app/token',
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: pending.VersionId,
          RemoveFromVersionId: pending.VersionId,
        }),
      ),
    );
    await expect(wrong).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await complete(
      client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: 'app/token',
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: pending.VersionId,
          RemoveFromVersionId: first.VersionId,
        }),
      ),
    );
    const current = await complete(client.send(new GetSecretValueCommand({ SecretId: 'app/token', VersionStage: 'AWSCURRENT' })));
    expect(first.SecretString).toBe('one');
    expect(current.SecretString).toBe('two');
    expect(counts.operations).toEqual({ CreateSecret: 1, GetSecretValue: 2, PutSecretValue: 1, UpdateSecretVersionStage: 2 });
    expect(counts.errors).toEqual({ 'UpdateSecretVersionStage:InvalidParameterException': 1 });
  });

  it('answers after the configured round trip of virtual time, with the model stamped at arrival', async () => {
    const { client, complete, scheduler } = setUp();
    await complete(client.send(new CreateSecretCommand({ Name: 'timed', SecretString: 'x' })));
    const sentAt = scheduler.now;
    const answer = await complete(client.send(new GetSecretValueCommand({ SecretId: 'timed', VersionStage: 'AWSCURRENT' })));
    expect(scheduler.now - sentAt).toBe(8);
    expect(answer.CreatedDate).toBeInstanceOf(Date);
  });

  it("throttles secret writes beyond the emulator's rate with AWS's ThrottlingException", async () => {
    const { client, complete, counts } = setUp({ writeRatePerSecond: 2 });
    await complete(client.send(new CreateSecretCommand({ Name: 'busy' })));
    const writes = [1, 2, 3].map((n) => complete(client.send(new PutSecretValueCommand({ SecretId: 'busy', SecretString: `v${n}` }))));
    const outcomes = await Promise.allSettled(writes);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({ name: 'ThrottlingException' });
    expect(counts.throttled).toBe(1);
  });
});
