import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaultInjector } from '../../../src/local/secrets-manager/index.js';
import { startEmulatorUnderTest, token, uniqueName, type EmulatorUnderTest } from '../../support/secrets-manager.js';

// Injected faults (POST /_emulator/faults): errors by count or seeded rate, latency, and
// "applied, then the response is lost".

let sm: EmulatorUnderTest;
let client: SecretsManagerClient;

beforeAll(async () => {
  sm = await startEmulatorUnderTest();
  client = sm.client();
});
afterEach(async () => {
  await sm.control('DELETE', 'faults');
});
afterAll(() => sm.close());

async function secret(): Promise<string> {
  const name = uniqueName('faults');
  await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: token('v1') }));
  return name;
}

describe('Class: FaultInjector', () => {
  it('replays the same outcomes for the same seed', () => {
    const outcomes = (seed: number): string => {
      const faults = new FaultInjector();
      faults.configure({ seed, operations: { GetSecretValue: { errorRate: 0.5 } } });
      return Array.from({ length: 40 }, () => (faults.decide('GetSecretValue').error ? 'x' : '.')).join('');
    };
    expect(outcomes(42)).toBe(outcomes(42));
    expect(outcomes(42)).not.toBe(outcomes(43));
    expect(outcomes(42)).toMatch(/x/);
    expect(outcomes(42)).toMatch(/\./);
  });

  it('counts failNext down before consulting the rate, and applies * to operations without a rule', () => {
    const faults = new FaultInjector();
    faults.configure({ operations: { '*': { failNext: 1, errorType: 'ThrottlingException' }, PutSecretValue: { dropResponseNext: 2 } } });
    expect(faults.decide('DescribeSecret').error?.type).toBe('ThrottlingException');
    expect(faults.decide('DescribeSecret').error).toBeUndefined();
    expect([
      faults.decide('PutSecretValue').dropResponse,
      faults.decide('PutSecretValue').dropResponse,
      faults.decide('PutSecretValue').dropResponse,
    ]).toEqual([true, true, false]);
    expect(faults.current().operations?.PutSecretValue?.dropResponseNext).toBe(0);
  });
});

describe('Function: startSecretsManagerEmulator — injected faults over HTTP', () => {
  it('fails the next N calls with the chosen error, which the SDK retries through', async () => {
    const name = await secret();
    await sm.control('POST', 'faults', {
      operations: { GetSecretValue: { failNext: 2, errorType: 'ThrottlingException', errorMessage: 'Rate exceeded' } },
    });
    const retrying = sm.client({ maxAttempts: 3 });
    const value = await retrying.send(new GetSecretValueCommand({ SecretId: name }));
    expect(value.SecretString).toBe('v1');
    expect(value.$metadata.attempts).toBe(3);
    const stats = await sm.control('GET', 'stats');
    expect((stats.json['errors'] as Record<string, Record<string, number>>)['GetSecretValue']?.['ThrottlingException']).toBe(2);
  });

  it('answers an injected InternalServiceError with HTTP 500 and does not apply the call', async () => {
    const name = await secret();
    await sm.control('POST', 'faults', { operations: { PutSecretValue: { failNext: 1 } } });
    await expect(
      client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('v2') })),
    ).rejects.toMatchObject({
      name: 'InternalServiceError',
      $metadata: { httpStatusCode: 500 },
    });
    expect((await client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('v1');
  });

  it('applies a write and then drops its response: the client sees a reset, the write is there', async () => {
    const name = await secret();
    await sm.control('POST', 'faults', { operations: { PutSecretValue: { dropResponseNext: 1 } } });
    await expect(client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('v2') }))).rejects.toThrow();
    expect((await client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('v2');
    expect(((await sm.control('GET', 'stats')).json['droppedResponses'] as Record<string, number>)['PutSecretValue']).toBe(1);
  });

  it('turns a lost response plus an SDK retry into one version, thanks to the ClientRequestToken', async () => {
    const name = await secret();
    await sm.control('POST', 'faults', { operations: { PutSecretValue: { dropResponseNext: 1 } } });
    const retrying = sm.client({ maxAttempts: 3 });
    const put = await retrying.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v2' }));
    expect(put.$metadata.attempts).toBe(2);
    const versions = await client.send(new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true }));
    expect(versions.Versions?.map((version) => version.VersionStages)).toEqual([['AWSCURRENT'], ['AWSPREVIOUS']]);
  });

  it('reproduces the same error pattern for the same seed over HTTP', async () => {
    const name = await secret();
    const run = async (): Promise<string> => {
      await sm.control('POST', 'faults', { seed: 9, operations: { DescribeSecret: { errorRate: 0.3, errorType: 'ServiceUnavailable' } } });
      let pattern = '';
      for (let index = 0; index < 30; index += 1) {
        pattern += await client.send(new DescribeSecretCommand({ SecretId: name })).then(
          () => '.',
          () => 'x',
        );
      }
      return pattern;
    };
    const first = await run();
    expect(await run()).toBe(first);
    expect(first).toMatch(/x/);
  });

  it('delays a call by at least the injected latency', async () => {
    const name = await secret();
    await sm.control('POST', 'faults', { operations: { GetSecretValue: { latencyMs: 150 } } });
    const started = performance.now();
    await client.send(new GetSecretValueCommand({ SecretId: name }));
    // A lower bound only: timers never fire early, so this cannot flake on a slow machine.
    expect(performance.now() - started).toBeGreaterThanOrEqual(149);
  });
});
