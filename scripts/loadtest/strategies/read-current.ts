import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { decodeBaselinePayload } from './secret-payload.js';
import type { MintedToken } from './types.js';

/**
 * The token under AWSCURRENT in the baseline format, or `undefined` when the secret has no value
 * yet (the load test creates it empty).
 */
export async function readCurrentBaselineToken(client: SecretsManagerClient, secretId: string): Promise<MintedToken | undefined> {
  try {
    const answer = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
    return decodeBaselinePayload(answer.SecretString);
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}
