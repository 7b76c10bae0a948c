import { inspect } from 'node:util';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLockTable } from '../../src/lock/index.js';
import { startSecretsManagerEmulator, type RunningSecretsManagerEmulator } from '../../src/local/secrets-manager/index.js';
import { lockNameFor, TokenRefresher, type RefreshFunction } from '../../src/refresher/index.js';
import { TokenRefresherError } from '../../src/shared/errors.js';
import { oauth2ClientCredentials, OAuthError } from '../../src/sources/index.js';
import { LOCAL_AWS, startLocalDynamoDb, uniqueTableName, type LocalDynamoDb } from '../support/dynamodb.js';
import { startOAuthServer, type OAuthServer } from '../../devkit/oauth-server.js';

const CLIENT = { clientId: 'fleet-client', clientSecret: 'fleet-client-secret' };

let server: OAuthServer;
let emulator: RunningSecretsManagerEmulator;
let dynamodb: LocalDynamoDb;
let secretsManager: SecretsManagerClient;
let lockTable: string;

beforeAll(async () => {
  [server, emulator, dynamodb] = await Promise.all([
    startOAuthServer({ clients: [{ ...CLIENT, scope: 'read' }], accessTokenTtlSeconds: 3600 }),
    startSecretsManagerEmulator({ rateLimits: { reads: 0, writes: 0, create: 0, lists: 0 } }),
    startLocalDynamoDb(),
  ]);
  secretsManager = new SecretsManagerClient({ ...LOCAL_AWS, endpoint: emulator.endpoint });
  lockTable = uniqueTableName('oauth');
  await ensureLockTable({ client: dynamodb.client(), tableName: lockTable });
});

afterAll(async () => {
  secretsManager.destroy();
  await Promise.all([server.close(), emulator.close(), dynamodb.close()]);
});

function refresherFor(secretId: string, clientSecret = CLIENT.clientSecret): TokenRefresher {
  // Compiles only while the source fits the refresher's `refresh` option.
  const refresh: RefreshFunction = oauth2ClientCredentials({ tokenUrl: server.tokenUrl, clientId: CLIENT.clientId, clientSecret, scope: 'read' });
  return new TokenRefresher({ secretId, lockTable, refresh, secretsManager, dynamodb: dynamodb.client() });
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current !== undefined && chain.length < 10; current = (current as { cause?: unknown }).cause) {
    chain.push(current);
  }
  return chain;
}

describe('Function: oauth2ClientCredentials as the TokenRefresher refresh', () => {
  it('gives three refreshers and fifteen concurrent callers one token from one IdP call', async () => {
    const secretId = 'test/oauth-fleet-token';
    const refreshers = [refresherFor(secretId), refresherFor(secretId), refresherFor(secretId)];
    const mintedBefore = server.stats.minted;
    try {
      const results = await Promise.all(refreshers.flatMap((refresher) => Array.from({ length: 5 }, () => refresher.getToken())));

      expect(server.stats.minted - mintedBefore).toBe(1);
      const tokens = new Set(results.map((result) => result.token));
      expect(tokens.size).toBe(1);
      const [token] = tokens as Set<string>;
      const introspection = await server.introspect(token as string);
      expect(introspection).toMatchObject({ active: true, client_id: CLIENT.clientId, scope: 'read' });
      // expires_in counts from the request, so the token never outlives the server's own expiry (to its second).
      expect(results[0]?.expiresAt.getTime()).toBeLessThan(((introspection.exp ?? 0) + 1) * 1000);

      const lockItem = await dynamodb
        .client()
        .send(new GetItemCommand({ TableName: lockTable, Key: { pk: { S: lockNameFor(secretId) } }, ConsistentRead: true }));
      expect(lockItem.Item).toBeDefined();
      expect(JSON.stringify(lockItem.Item)).not.toContain(token);
    } finally {
      await Promise.all(refreshers.map((refresher) => refresher.close()));
    }
  });

  it('surfaces an IdP refusal as a typed error carrying the OAuthError, without the client secret', async () => {
    const wrongSecret = 'wrong-fleet-secret-never-printed';
    const refresher = refresherFor('test/oauth-refused-token', wrongSecret);
    const requestsBefore = server.stats.tokenRequests;
    try {
      const error = await refresher.getToken().catch((reason: unknown) => reason);

      expect(error).toBeInstanceOf(TokenRefresherError);
      const oauth = causes(error).find((cause) => cause instanceof OAuthError);
      expect(oauth).toMatchObject({ code: 'invalid_client', status: 401, retryable: false });
      expect(server.stats.tokenRequests - requestsBefore).toBe(1);
      expect(inspect(error, { depth: 10 })).not.toContain(wrongSecret);
    } finally {
      await refresher.close();
    }
  });
});
