import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startLocalStack, type LocalStack } from '../../src/local/stack.js';
import { ensureLockTable } from '../../src/lock/index.js';
import { envelopeCodec } from '../../src/token/codec.js';
import { LOCAL_AWS } from '../support/dynamodb.js';
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

/** The generation AWSCURRENT holds, from the emulator's model. */
export function currentGeneration(world: World, secretId: string): number {
  try {
    const value = world.stack.secretsManager.model.getSecretValue({ SecretId: secretId, VersionStage: 'AWSCURRENT' });
    return envelopeCodec.decode(value.SecretString ?? '').generation ?? 0;
  } catch {
    return 0;
  }
}

export function versionCount(world: World, secretId: string): number {
  const listed = world.stack.secretsManager.model.listSecretVersionIds({ SecretId: secretId, IncludeDeprecated: true, MaxResults: 100 });
  return listed.Versions?.length ?? 0;
}

/** Every token value the secret's versions hold (to compare with what the API saw, and scan logs for). */
export function storedTokens(world: World, secretId: string): string[] {
  const model = world.stack.secretsManager.model;
  const listed = model.listSecretVersionIds({ SecretId: secretId, IncludeDeprecated: true, MaxResults: 100 });
  return (listed.Versions ?? []).map(
    (version) => envelopeCodec.decode(model.getSecretValue({ SecretId: secretId, VersionId: version.VersionId }).SecretString ?? '').token,
  );
}
