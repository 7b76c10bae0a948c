import { inspect } from 'node:util';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient, type GetSecretValueCommandInput } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSecretsManagerEmulator, type RunningSecretsManagerEmulator } from '../../src/local/secrets-manager/index.js';
import { ClientSecretUnavailableError, oauth2ClientCredentials, OAuthError, type StoredClientSecretOptions } from '../../src/sources/index.js';
import { LOCAL_AWS } from '../support/dynamodb.js';
import { startOAuthServer, type OAuthServer } from '../../devkit/oauth-server.js';
import { ManualClock } from '../support/manual-clock.js';

const CLIENT_ID = 'stored-secret-client';

let server: OAuthServer;
let emulator: RunningSecretsManagerEmulator;
let secretsManager: SecretsManagerClient;
/** Every GetSecretValue input the SDK client sent, as the client built it. */
let reads: GetSecretValueCommandInput[];
let secretCounter = 0;

beforeAll(async () => {
  [server, emulator] = await Promise.all([
    startOAuthServer({ clients: [{ clientId: CLIENT_ID, clientSecret: 'initial-client-secret' }] }),
    startSecretsManagerEmulator({ rateLimits: { reads: 0, writes: 0, create: 0 } }),
  ]);
  secretsManager = new SecretsManagerClient({ ...LOCAL_AWS, endpoint: emulator.endpoint, maxAttempts: 1 });
  secretsManager.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetSecretValueCommand') reads.push({ ...(args.input as GetSecretValueCommandInput) });
      return next(args);
    },
    { step: 'initialize', name: 'recordSecretReads' },
  );
});

afterAll(async () => {
  secretsManager.destroy();
  await Promise.all([server.close(), emulator.close()]);
});

beforeEach(() => {
  reads = [];
  emulator.faults.clear();
});

/** A new secret holding `value`, and the IdP client's secret set to match. */
async function storedSecret(value: string): Promise<string> {
  secretCounter += 1;
  const name = `oauth/client-secret-${secretCounter}`;
  await secretsManager.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  server.setClientSecret(CLIENT_ID, value);
  return name;
}

function source(clientSecretId: string, overrides: Partial<StoredClientSecretOptions> = {}) {
  return oauth2ClientCredentials({
    tokenUrl: server.tokenUrl,
    clientId: CLIENT_ID,
    clientSecretId,
    secretsManager,
    clock: new ManualClock(),
    ...overrides,
  });
}

async function counted(action: () => Promise<unknown>): Promise<{ tokenRequests: number; secretReads: number; error: unknown }> {
  const before = { tokenRequests: server.stats.tokenRequests, secretReads: reads.length };
  let error: unknown;
  await action().catch((reason: unknown) => {
    error = reason;
  });
  return { tokenRequests: server.stats.tokenRequests - before.tokenRequests, secretReads: reads.length - before.secretReads, error };
}

describe('Function: oauth2ClientCredentials with clientSecretId', () => {
  it('reads the client secret once, naming VersionStage AWSCURRENT, and reuses it', async () => {
    const refresh = source(await storedSecret('secret-one'));
    const { token } = await refresh();
    await refresh();
    await refresh();

    expect(await server.introspect(token)).toMatchObject({ active: true, client_id: CLIENT_ID });
    expect(reads).toEqual([{ SecretId: 'oauth/client-secret-1', VersionStage: 'AWSCURRENT' }]);
  });

  it('reads a custom label and a key inside a JSON secret', async () => {
    secretCounter += 1;
    const name = `oauth/client-secret-${secretCounter}`;
    await secretsManager.send(new CreateSecretCommand({ Name: name, SecretString: '{"client_secret":"not-this-one"}' }));
    await secretsManager.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: '{"client_secret":"json-secret"}', VersionStages: ['OAUTH'] }),
    );
    server.setClientSecret(CLIENT_ID, 'json-secret');

    await source(name, { clientSecretVersionStage: 'OAUTH', clientSecretJsonKey: 'client_secret' })();

    expect(reads).toEqual([{ SecretId: name, VersionStage: 'OAUTH' }]);
  });

  it('re-reads a rotated secret after invalid_client and succeeds with the new one', async () => {
    const name = await storedSecret('before-rotation');
    const refresh = source(name);
    await refresh();
    await secretsManager.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'after-rotation' }));
    server.setClientSecret(CLIENT_ID, 'after-rotation');

    const counts = await counted(() => refresh());

    expect(counts).toEqual({ tokenRequests: 2, secretReads: 1, error: undefined });
    expect(server.requests.at(-2)).toMatchObject({ status: 401, error: 'invalid_client' });
    expect(server.requests.at(-1)).toMatchObject({ status: 200 });
  });

  it('reports invalid_client after one re-read when the stored secret did not change', async () => {
    const name = await storedSecret('stale-secret');
    server.setClientSecret(CLIENT_ID, 'rotated-at-the-idp-only');

    const counts = await counted(() => source(name)());

    expect(counts).toMatchObject({ tokenRequests: 1, secretReads: 2 });
    expect(counts.error).toBeInstanceOf(OAuthError);
    expect(counts.error).toMatchObject({ code: 'invalid_client' });
    expect(inspect(counts.error, { depth: 10 })).not.toContain('stale-secret');
  });

  it('reports a missing secret without calling the IdP, and reads again on the next call', async () => {
    secretCounter += 1;
    const name = `oauth/client-secret-${secretCounter}`;
    const refresh = source(name);

    const missing = await counted(() => refresh());
    expect(missing.tokenRequests).toBe(0);
    expect(missing.error).toBeInstanceOf(ClientSecretUnavailableError);
    expect((missing.error as Error).message).toMatch(
      new RegExp(
        `Could not read the OAuth client secret from Secrets Manager secret ${name} \\(VersionStage AWSCURRENT\\): ResourceNotFoundException`,
      ),
    );

    await secretsManager.send(new CreateSecretCommand({ Name: name, SecretString: 'created-later' }));
    server.setClientSecret(CLIENT_ID, 'created-later');
    await expect(refresh()).resolves.toMatchObject({ token: expect.any(String) });
  });

  it('says what is wrong with a secret that is not the JSON clientSecretJsonKey expects, without quoting it', async () => {
    const notJson = await storedSecret('plain-text-secret');
    const error = await source(notJson, { clientSecretJsonKey: 'client_secret' })().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ClientSecretUnavailableError);
    expect((error as Error).message).toMatch(/is not JSON, but clientSecretJsonKey is set/);
    expect(inspect(error, { depth: 10 })).not.toContain('plain-text-secret');

    const wrongKey = await storedSecret('{"secret":"json-value"}');
    const missingKey = await source(wrongKey, { clientSecretJsonKey: 'client_secret' })().catch((reason: unknown) => reason);
    expect((missingKey as Error).message).toMatch(/has no non-empty string at key "client_secret"/);
    expect(inspect(missingKey, { depth: 10 })).not.toContain('json-value');
  });

  it('rejects with the abort reason when the signal aborts while Secrets Manager is slow', async () => {
    const name = await storedSecret('slow-read');
    emulator.faults.configure({ operations: { GetSecretValue: { latencyMs: 60_000 } } });
    const controller = new AbortController();
    const pending = source(name)({ signal: controller.signal });
    const reason = new Error('stop');
    controller.abort(reason);

    await expect(pending).rejects.toBe(reason);
  });
});
