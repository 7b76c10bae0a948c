import { assertSecretId, secretNameOf } from '../secret/secret-id.js';
import { AWSCURRENT } from '../secret/secret-store.js';

/** The prefix of every lock item name the refresher uses. */
export const LOCK_NAME_PREFIX = 'token-refresher/';

/**
 * The lock item name for a secret label: `token-refresher/<secretName>/<label>`, where secretName
 * is the id as given, or the name inside a full ARN (without its `-XXXXXX` suffix), so that the
 * name and the ARN of one secret share one lock. IAM policies can restrict the lock table to the
 * leading key prefix `token-refresher/<secretName>/`.
 *
 * @example
 * ```ts
 * lockNameFor('arn:aws:secretsmanager:us-east-1:123456789012:secret:api-token-AbC123', 'AWSCURRENT');
 * // 'token-refresher/api-token/AWSCURRENT'
 * ```
 */
export function lockNameFor(secretId: string, label: string = AWSCURRENT): string {
  assertSecretId(secretId);
  return `${LOCK_NAME_PREFIX}${secretNameOf(secretId)}/${label}`;
}

/**
 * The leading key prefix of every lock item for one secret (all labels), for IAM's
 * `dynamodb:LeadingKeys` condition.
 *
 * @example
 * ```ts
 * lockNamePrefixFor('api-token'); // 'token-refresher/api-token/'
 * ```
 */
export function lockNamePrefixFor(secretId: string): string {
  assertSecretId(secretId);
  return `${LOCK_NAME_PREFIX}${secretNameOf(secretId)}/`;
}
