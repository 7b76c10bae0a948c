import { CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { createDispatcher, OffsetClock, SecretsManagerModel } from '../../src/local/secrets-manager/index.js';
import { SdkCallCounter } from '../../devkit/sdk-counters.js';
import { inProcessSecretsManagerClient } from '../../scripts/simulate/in-process-secrets-manager.js';
import { VirtualScheduler } from '../../scripts/simulate/scheduler.js';

describe('Class: SdkCallCounter', () => {
  it('counts every attempt by operation, errors by name, and the version ids PutSecretValue created', async () => {
    const scheduler = new VirtualScheduler(Date.UTC(2026, 0, 1));
    const model = new SecretsManagerModel({ clock: new OffsetClock(() => scheduler.now) });
    const counter = new SdkCallCounter(() => scheduler.now);
    const client = counter.attach(
      inProcessSecretsManagerClient({
        dispatch: createDispatcher(model),
        scheduler,
        latencyMs: 2,
        counts: { operations: {}, throttled: 0, errors: {} },
      }),
    );
    const complete = <T>(call: Promise<T>): Promise<T | Error> => scheduler.complete(call).catch((error: Error) => error);
    await complete(client.send(new CreateSecretCommand({ Name: 'counted' })));
    const missing = await complete(client.send(new GetSecretValueCommand({ SecretId: 'counted', VersionStage: 'AWSCURRENT' })));
    const put = await complete(
      client.send(new PutSecretValueCommand({ SecretId: 'counted', SecretString: 'v1', ClientRequestToken: 'a'.repeat(32) })),
    );
    await complete(client.send(new PutSecretValueCommand({ SecretId: 'counted', SecretString: 'v1', ClientRequestToken: 'a'.repeat(32) })));
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(put).toMatchObject({ VersionId: 'a'.repeat(32) });
    expect(counter.snapshot()).toEqual({
      attempts: { CreateSecret: 1, GetSecretValue: 1, PutSecretValue: 2 },
      errors: { 'GetSecretValue:ResourceNotFoundException': 1 },
      throttled: 0,
      conditionalFailures: 0,
    });
    expect(counter.seenVersions().map((seen) => seen.versionId)).toEqual(['a'.repeat(32)]);
    expect(JSON.stringify(counter.snapshot())).not.toContain('v1');
  });
});
