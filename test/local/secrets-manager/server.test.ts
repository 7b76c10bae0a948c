import { connect } from 'node:net';
import { CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSecretsManagerEmulator } from '../../../src/local/secrets-manager/index.js';
import { startEmulatorUnderTest, token, uniqueName, type EmulatorUnderTest } from '../../support/secrets-manager.js';

// The HTTP layer: raw wire rules, bad input that must never crash or hang the server, and the
// /_emulator/* control routes.

let sm: EmulatorUnderTest;
let client: SecretsManagerClient;

beforeAll(async () => {
  sm = await startEmulatorUnderTest({ maxBodyBytes: 4096 });
  client = sm.client();
});
afterAll(() => sm.close());

/** Sends raw bytes on a fresh connection and returns everything the server sent before closing. */
function rawExchange(endpoint: string, writes: readonly string[]): Promise<string> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      for (const chunk of writes) socket.write(chunk);
    });
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (data: string) => {
      received += data;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

async function stillServes(): Promise<void> {
  const name = uniqueName('alive');
  await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v' }));
  expect((await client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('v');
}

describe('Function: createEmulatorHttpServer — the wire over HTTP', () => {
  it('answers a raw PutSecretValue without token exactly as AWS did (checklist 13: SM-WIRE-7, SM-WIRE-10)', async () => {
    const answer = await sm.raw('secretsmanager.PutSecretValue', JSON.stringify({ SecretId: 'no-such-secret', SecretString: 'v' }));
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      __type: 'InvalidRequestException',
      Message: 'You must provide a ClientRequestToken value. We recommend a UUID-type value.',
    });
    expect(answer.headers.get('x-amzn-errortype')).toBe('InvalidRequestException');
  });

  it('hands the SDK the request id header as $metadata.requestId (SM-WIRE-12)', async () => {
    const name = uniqueName();
    const created = await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v' }));
    expect(created.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers methods other than POST on the API path with UnknownOperationException', async () => {
    const answer = await sm.raw('secretsmanager.GetSecretValue', '', { method: 'GET' });
    expect(answer.status).toBe(400);
    expect(answer.json['__type']).toBe('UnknownOperationException');
  });
});

describe('Function: createEmulatorHttpServer — bad input never crashes or hangs it', () => {
  it('refuses a body over maxBodyBytes with 413, by Content-Length and while streaming', async () => {
    const big = JSON.stringify({ SecretId: 'x', SecretString: 'y'.repeat(5000) });
    const declared = await sm.raw('secretsmanager.GetSecretValue', big);
    expect(declared.status).toBe(413);
    expect(declared.json['__type']).toBe('RequestEntityTooLargeException');

    const chunk = 'z'.repeat(1000);
    const chunked = await rawExchange(sm.endpoint, [
      'POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: secretsmanager.GetSecretValue\r\nTransfer-Encoding: chunked\r\n\r\n',
      ...Array.from({ length: 6 }, () => `${(1000).toString(16)}\r\n${chunk}\r\n`),
    ]);
    expect(chunked).toMatch(/^HTTP\/1\.1 413 /);
    expect(chunked).toContain('RequestEntityTooLargeException');
    await stillServes();
  });

  it('answers 408 and closes a request whose body never finishes', async () => {
    // Its own emulator: a short body timeout on the shared one could cut a slow-but-honest request.
    const impatient = await startEmulatorUnderTest({ bodyTimeoutMs: 200 });
    try {
      const answer = await rawExchange(impatient.endpoint, [
        'POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: secretsmanager.GetSecretValue\r\nContent-Length: 100\r\n\r\n{"SecretId":',
      ]);
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toContain('RequestTimeoutException');
      const afterwards = await impatient.raw('secretsmanager.ListSecrets', '{}');
      expect(afterwards.status).toBe(200);
    } finally {
      await impatient.close();
    }
  });

  it('survives a client that disconnects mid-body', async () => {
    const { hostname, port } = new URL(sm.endpoint);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write('POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: secretsmanager.GetSecretValue\r\nContent-Length: 50\r\n\r\n{"Sec');
        socket.destroy();
        resolve();
      });
    });
    await stillServes();
  });

  it('answers malformed JSON, wrong types and unknown targets with AWS errors, then keeps serving', async () => {
    expect((await sm.raw('secretsmanager.GetSecretValue', '{"SecretId": ')).json['__type']).toBe('SerializationException');
    expect((await sm.raw('secretsmanager.GetSecretValue', '{"SecretId": {"deep": [1,2,3]}}')).json['__type']).toBe('SerializationException');
    expect((await sm.raw('secretsmanager.Nope', '{}')).json['__type']).toBe('UnknownOperationException');
    expect((await sm.raw(undefined, '{}')).json['__type']).toBe('UnknownOperationException');
    expect((await sm.raw('secretsmanager.GetSecretValue', '\u0000\u0001garbage')).status).toBe(400);
    await stillServes();
  });
});

describe('Function: createEmulatorHttpServer — /_emulator routes', () => {
  it('moves the clock forward and refuses to move it back', async () => {
    const before = await sm.control('GET', 'clock');
    const moved = await sm.control('POST', 'clock', { advanceMs: 60_000 });
    expect(moved.status).toBe(200);
    expect(moved.json['offsetMs']).toBe((before.json['offsetMs'] as number) + 60_000);
    expect((moved.json['nowMs'] as number) - (before.json['nowMs'] as number)).toBeGreaterThanOrEqual(60_000);
    const backwards = await sm.control('POST', 'clock', { advanceMs: -1 });
    expect(backwards.status).toBe(400);
    expect(backwards.json['Message']).toContain('advanceMs');
    expect((await sm.control('POST', 'clock', { advanceMs: 'soon' })).status).toBe(400);
  });

  it('counts calls, errors by type and unknown targets per operation', async () => {
    const fresh = await startEmulatorUnderTest();
    try {
      const freshClient = fresh.client();
      const name = uniqueName();
      await freshClient.send(new CreateSecretCommand({ Name: name, SecretString: 'v' }));
      await freshClient.send(new GetSecretValueCommand({ SecretId: name }));
      await freshClient.send(new GetSecretValueCommand({ SecretId: name })).catch(() => undefined);
      await freshClient.send(new GetSecretValueCommand({ SecretId: 'missing' })).catch(() => undefined);
      await fresh.raw('secretsmanager.Bogus', '{}');
      const stats = await fresh.control('GET', 'stats');
      expect(stats.json).toEqual({
        operations: { CreateSecret: 1, GetSecretValue: 3, Unknown: 1 },
        throttled: {},
        errors: { GetSecretValue: { ResourceNotFoundException: 1 }, Unknown: { UnknownOperationException: 1 } },
        droppedResponses: {},
      });
      const cleared = await fresh.control('POST', 'stats/reset');
      expect(cleared.json['operations']).toEqual({});
    } finally {
      await fresh.close();
    }
  });

  it('validates fault rules with a message naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ operations: { GetSecretValu: {} } }, 'operations.GetSecretValu'],
      [{ operations: { GetSecretValue: { errorRate: 2 } } }, 'operations.GetSecretValue.errorRate'],
      [{ operations: { '*': { latencyMs: -5 } } }, 'operations.*.latencyMs'],
      [{ operations: { PutSecretValue: { dropNext: 1 } } }, 'operations.PutSecretValue.dropNext'],
      [{ seed: 'abc' }, '"seed"'],
      [[], 'JSON object'],
    ];
    for (const [body, field] of cases) {
      const answer = await sm.control('POST', 'faults', body);
      expect(answer.status).toBe(400);
      expect(answer.json['Message']).toContain(field);
    }
    expect((await sm.control('GET', 'faults')).json).toEqual({ operations: {} });
  });

  it('resets secrets, stats and faults, but not the clock', async () => {
    const fresh = await startEmulatorUnderTest();
    try {
      const freshClient = fresh.client();
      const name = uniqueName();
      await freshClient.send(new CreateSecretCommand({ Name: name, SecretString: 'v' }));
      await fresh.control('POST', 'faults', { operations: { DescribeSecret: { failNext: 5 } } });
      await fresh.control('POST', 'clock', { advanceMs: 1000 });
      expect((await fresh.control('POST', 'reset')).status).toBe(200);
      expect(fresh.emulator.model.secretCount).toBe(0);
      expect((await fresh.control('GET', 'stats')).json['operations']).toEqual({});
      expect((await fresh.control('GET', 'faults')).json).toEqual({ operations: {} });
      expect((await fresh.control('GET', 'clock')).json['offsetMs']).toBe(1000);
      await freshClient.send(new CreateSecretCommand({ Name: name, SecretString: 'again' }));
    } finally {
      await fresh.close();
    }
  });

  it('answers an unknown route with 404 listing the routes', async () => {
    const answer = await sm.control('GET', 'nothing-here');
    expect(answer.status).toBe(404);
    expect(answer.json['Message']).toContain('GET stats');
  });
});

describe('Function: startSecretsManagerEmulator', () => {
  it('refuses invalid options with a message naming the option', async () => {
    await expect(startSecretsManagerEmulator({ port: 70_000 })).rejects.toThrow(/Option port/);
    await expect(startSecretsManagerEmulator({ maxBodyBytes: 0 })).rejects.toThrow(/Option maxBodyBytes/);
    await expect(startSecretsManagerEmulator({ writeRatePerSecond: -1 })).rejects.toThrow(/throttle group writes/);
    await expect(startSecretsManagerEmulator({ accountId: '42' })).rejects.toThrow(/Option accountId/);
    await expect(startSecretsManagerEmulator({ maxVersionsPerSecret: 0 })).rejects.toThrow(/Option maxVersionsPerSecret/);
  });

  it('closes idempotently and refuses connections afterwards', async () => {
    const emulator = await startSecretsManagerEmulator();
    await Promise.all([emulator.close(), emulator.close()]);
    await expect(fetch(emulator.endpoint, { method: 'POST' })).rejects.toThrow();
  });

  it('takes a put with a token as one version even when sent as PutSecretValue via raw HTTP', async () => {
    const name = uniqueName();
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v1' }));
    const body = JSON.stringify({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('raw') });
    const first = await sm.raw('secretsmanager.PutSecretValue', body);
    const second = await sm.raw('secretsmanager.PutSecretValue', body);
    expect(first.json).toEqual(second.json);
    expect((await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token('raw') }))).VersionId).toBe(
      token('raw'),
    );
  });
});
