import { inspect } from 'node:util';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLockTable } from '../../src/lock/index.js';
import { startSecretsManagerEmulator, type RunningSecretsManagerEmulator } from '../../src/local/secrets-manager/index.js';
import {
  RefreshStateLostError,
  RefreshStateRejectedError,
  seedState,
  TokenRefresher,
  type RefreshFunction,
  type RefreshState,
} from '../../src/index.js';
import { oauth2RefreshToken, RefreshStateMissingError } from '../../src/sources/index.js';
import { LOCAL_AWS, startLocalDynamoDb, uniqueTableName, type LocalDynamoDb } from '../support/dynamodb.js';
import { startOAuthServer, type OAuthServer } from '../../devkit/oauth-server.js';

const CLIENT = { clientId: 'fleet-app', clientSecret: 'fleet-app-client-secret' };

let server: OAuthServer;
let emulator: RunningSecretsManagerEmulator;
let dynamodb: LocalDynamoDb;
let secretsManager: SecretsManagerClient;
let lockTable: string;

beforeAll(async () => {
  [server, emulator, dynamodb] = await Promise.all([
    startOAuthServer({ clients: [{ ...CLIENT, scope: 'read', offlineAccess: true }], refreshTokens: { rotate: true } }),
    startSecretsManagerEmulator({ rateLimits: { reads: 0, writes: 0, create: 0, lists: 0 } }),
    startLocalDynamoDb(),
  ]);
  secretsManager = new SecretsManagerClient({ ...LOCAL_AWS, endpoint: emulator.endpoint });
  lockTable = uniqueTableName('rotating');
  await ensureLockTable({ client: dynamodb.client(), tableName: lockTable });
});

afterAll(async () => {
  secretsManager.destroy();
  await Promise.all([server.close(), emulator.close(), dynamodb.close()]);
});

function refresherFor(secretId: string, stateSecretId: string): TokenRefresher {
  // Compiles only while the source fits the refresher's `refresh` option.
  const refresh: RefreshFunction = oauth2RefreshToken({ tokenUrl: server.tokenUrl, ...CLIENT });
  return new TokenRefresher({ secretId, stateSecretId, lockTable, refresh, secretsManager, dynamodb: dynamodb.client() });
}

/** What an operator does once after authorizing: `token-refresher seed-state`, here as the library call. */
async function seed(secretId: string, stateSecretId: string, state: RefreshState): Promise<void> {
  await seedState({ secretId, stateSecretId, state, lockTable, secretsManager, dynamodb: dynamodb.client() });
}

async function storedState(stateSecretId: string): Promise<RefreshState> {
  const { SecretString } = await secretsManager.send(new GetSecretValueCommand({ SecretId: stateSecretId }));
  return (JSON.parse(SecretString ?? '{}') as { state: RefreshState }).state;
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current !== undefined && chain.length < 10; current = (current as { cause?: unknown }).cause) {
    chain.push(current);
  }
  return chain;
}

describe('Function: oauth2RefreshToken as the TokenRefresher refresh', () => {
  it('rotates the refresh token once per generation for a fleet and keeps the newest in the state secret', async () => {
    const grant = await server.authorize({ ...CLIENT, scope: 'read' });
    await seed('test/rotating-token-1', 'test/rotating-state-1', { refreshToken: grant.refreshToken });
    const refreshers = [1, 2, 3].map(() => refresherFor('test/rotating-token-1', 'test/rotating-state-1'));
    const requestsBefore = server.stats.tokenRequests;
    try {
      const first = await Promise.all(refreshers.flatMap((refresher) => Array.from({ length: 5 }, () => refresher.getToken())));
      expect(new Set(first.map((result) => result.token)).size).toBe(1);
      expect(server.stats.tokenRequests - requestsBefore).toBe(1);
      const afterFirst = await storedState('test/rotating-state-1');
      expect(afterFirst['refreshToken']).not.toBe(grant.refreshToken);

      refreshers[0]?.invalidate(first[0]?.token ?? '');
      const second = await refreshers[0]?.getToken();
      expect(second?.token).not.toBe(first[0]?.token);
      expect(server.stats.tokenRequests - requestsBefore).toBe(2);
      const afterSecond = await storedState('test/rotating-state-1');
      expect(afterSecond['refreshToken']).not.toBe(afterFirst['refreshToken']);
      expect(await server.introspect(second?.token ?? '')).toMatchObject({ active: true, client_id: CLIENT.clientId });
      expect(server.stats.grantsRevoked).toBe(0);
    } finally {
      await Promise.all(refreshers.map((refresher) => refresher.close()));
    }
  });

  it('stops the fleet with RefreshStateLostError when the stored refresh token was already used, after one request', async () => {
    const grant = await server.authorize({ ...CLIENT, scope: 'read' });
    const refresh = oauth2RefreshToken({ tokenUrl: server.tokenUrl, ...CLIENT });
    await refresh({ state: { refreshToken: grant.refreshToken } }); // used elsewhere: the stored one is now stale
    await seed('test/rotating-token-2', 'test/rotating-state-2', { refreshToken: grant.refreshToken });
    const refresher = refresherFor('test/rotating-token-2', 'test/rotating-state-2');
    const requestsBefore = server.stats.tokenRequests;
    try {
      const error = await refresher.getToken().catch((reason: unknown) => reason);
      const chain = causes(error);
      expect(chain.some((cause) => cause instanceof RefreshStateLostError)).toBe(true);
      expect(chain.some((cause) => cause instanceof RefreshStateRejectedError)).toBe(true);
      expect(server.stats.tokenRequests - requestsBefore).toBe(1);

      await refresher.getToken().catch((reason: unknown) => reason);
      expect(server.stats.tokenRequests - requestsBefore).toBe(1);
      expect(inspect(error, { depth: 10 })).not.toContain(grant.refreshToken);
      expect(inspect(error, { depth: 10 })).not.toContain(CLIENT.clientSecret);
    } finally {
      await refresher.close();
    }
  });

  it('fails without calling the identity provider when no state was seeded, saying to seed it', async () => {
    const refresher = refresherFor('test/rotating-token-3', 'test/rotating-state-3');
    const requestsBefore = server.stats.tokenRequests;
    try {
      const error = await refresher.getToken().catch((reason: unknown) => reason);
      const missing = causes(error).find((cause) => cause instanceof RefreshStateMissingError);
      expect(missing).toBeDefined();
      expect((missing as Error).message).toMatch(/token-refresher seed-state/);
      expect(server.stats.tokenRequests - requestsBefore).toBe(0);
    } finally {
      await refresher.close();
    }
  });
});
