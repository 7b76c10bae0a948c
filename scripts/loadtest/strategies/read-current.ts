import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type BaselineSecret, decodeBaselineSecret } from './secret-payload.js';
import type { MintedToken } from './types.js';

/**
 * The token under AWSCURRENT in the baseline format, or `undefined` when the secret has no value
 * yet (the load test creates it empty).
 */
export async function readCurrentBaselineToken(client: SecretsManagerClient, secretId: string): Promise<MintedToken | undefined> {
  return (await readCurrentBaseline(client, secretId)).minted;
}

/** The token and the refresh token under AWSCURRENT in the baseline format, each `undefined` when absent. */
export async function readCurrentBaseline(client: SecretsManagerClient, secretId: string): Promise<BaselineSecret> {
  try {
    const answer = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
    return decodeBaselineSecret(answer.SecretString);
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return { minted: undefined, refreshToken: undefined };
    throw error;
  }
}
