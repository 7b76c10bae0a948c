import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startLocalStack, type LocalStack } from '../../src/local/stack.js';
import { ensureLockTable } from '../../src/lock/index.js';
import { LOCAL_AWS } from '../support/dynamodb.js';
import { storedGeneration, storedSecret } from '../support/secret-model.js';
import { startOAuthServer, type OAuthServer } from '../../devkit/oauth-server.js';
import { startResourceServer, type ResourceServer } from './resource-server.js';

/** The Lambda examples' world: the local stack, an OAuth server, the API they call, and a deployment per test. */
export const CLIENT = { clientId: 'orders-lambda', clientSecret: 'orders-lambda-client-secret' };
export const CLIENT_SECRET_ID = 'example/orders-lambda/client-secret';

export interface ApiResult {
  statusCode: number;
  body: string;
}

/** dynalite, the Secrets Manager emulator, a real OAuth server and the API, shared by a test file. */
export interface World {
  stack: LocalStack;
  secretsManager: SecretsManagerClient;
  dynamodb: DynamoDBClient;
  oauth: OAuthServer;
  api: ResourceServer;
}

export async function startWorld(accessTokenTtlSeconds: number): Promise<World> {
  const stack = await startLocalStack();
  const secretsManager = new SecretsManagerClient({ ...LOCAL_AWS, endpoint: stack.secretsManagerEndpoint });
  const dynamodb = new DynamoDBClient({ ...LOCAL_AWS, endpoint: stack.dynamodbEndpoint });
  await secretsManager.send(new CreateSecretCommand({ Name: CLIENT_SECRET_ID, SecretString: CLIENT.clientSecret }));
  const oauth = await startOAuthServer({ clients: [{ ...CLIENT, scope: 'orders:read' }], accessTokenTtlSeconds });
  const api = await startResourceServer(oauth);
  return { stack, secretsManager, dynamodb, oauth, api };
}

export async function closeWorld(world: World): Promise<void> {
  world.secretsManager.destroy();
  world.dynamodb.destroy();
  await world.api.close();
  await world.oauth.close();
  await world.stack.close();
}

let deployments = 0;

/** A fresh secret and lock table, and the function's environment variables, as the README lists them. */
export async function deploy(world: World): Promise<{ secretId: string; env: Record<string, string> }> {
  deployments += 1;
  const secretId = `example/orders-api-token-${deployments}`;
  const lockTable = `example-locks-${deployments}`;
  await ensureLockTable({ client: world.dynamodb, tableName: lockTable });
  return {
    secretId,
    env: {
      ...world.stack.environment(),
      TOKEN_SECRET_ID: secretId,
      LOCK_TABLE: lockTable,
      TOKEN_URL: world.oauth.tokenUrl,
      CLIENT_ID: CLIENT.clientId,
      CLIENT_SECRET_ID,
      TOKEN_SCOPE: 'orders:read',
      API_URL: world.api.url,
    },
  };
}

/**
 * The generation AWSCURRENT holds so far, for polls that start before the first refresh: 0 only
 * while the secret has no AWSCURRENT; any other failure to read it throws.
 */
export function generationSoFar(world: World, secretId: string): number {
  return storedGeneration(world.stack.secretsManager.model, secretId) ?? 0;
}

/** The generation AWSCURRENT holds; throws when the secret has none or cannot be read. */
export function currentGeneration(world: World, secretId: string): number {
  return storedSecret(world.stack.secretsManager.model, secretId).generation;
}

/** How many versions the secret has (0 for a secret created without a value); throws when the secret does not exist. */
export function versionCount(world: World, secretId: string): number {
  const listed = world.stack.secretsManager.model.listSecretVersionIds({ SecretId: secretId, IncludeDeprecated: true, MaxResults: 100 });
  if (listed.Versions === undefined) throw new Error(`listing the versions of ${secretId} returned no Versions field`);
  return listed.Versions.length;
}

/** Every token value the secret's versions hold (to compare with what the API saw, and scan logs for); never empty. */
export function storedTokens(world: World, secretId: string): string[] {
  return storedSecret(world.stack.secretsManager.model, secretId).tokens;
}
