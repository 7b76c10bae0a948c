import { ConfigurationError } from '../shared/errors.js';

const ARN_PATTERN = /^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:(.+)$/;
const RANDOM_SUFFIX = /-[A-Za-z0-9]{6}$/;
const NAME_PATTERN = /^[A-Za-z0-9/_+=.@!-]+$/;

/**
 * The secret's name from a `secretId`: the id itself when it is a name, or the name inside a full
 * ARN (without the `-XXXXXX` suffix Secrets Manager appends). A partial ARN (no suffix) keeps its
 * whole tail — which is why secret names ending in `-` and six characters are discouraged.
 *
 * @example
 * ```ts
 * secretNameOf('arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/api-token-a1B2c3'); // 'prod/api-token'
 * secretNameOf('prod/api-token'); // 'prod/api-token'
 * ```
 */
export function secretNameOf(secretId: string): string {
  const match = ARN_PATTERN.exec(secretId);
  if (match?.[1] === undefined) return secretId;
  return match[1].replace(RANDOM_SUFFIX, '');
}

/** True when the id is an ARN rather than a name (an ARN cannot be used to create the secret). */
export function isSecretArn(secretId: string): boolean {
  return ARN_PATTERN.test(secretId);
}

/**
 * Checks a `secretId` option up front, so that a typo fails at construction, not at first refresh.
 *
 * @example
 * ```ts
 * assertSecretId('my-api-token'); // ok
 * assertSecretId('my api token'); // throws ConfigurationError
 * ```
 */
export function assertSecretId(secretId: unknown, option = 'secretId'): asserts secretId is string {
  if (typeof secretId !== 'string' || secretId.length === 0) {
    throw new ConfigurationError(
      `Option "${option}" must be the secret's name or ARN, a non-empty string; got ${typeof secretId === 'string' ? 'an empty string' : typeof secretId}.`,
    );
  }
  if (secretId.length > 2048) {
    throw new ConfigurationError(`Option "${option}" is ${secretId.length} characters; Secrets Manager accepts at most 2048.`);
  }
  if (!isSecretArn(secretId) && !NAME_PATTERN.test(secretId)) {
    throw new ConfigurationError(
      `Option "${option}" ("${secretId}") is not a valid secret name: use letters, digits and /_+=.@!- only, or pass the secret's ARN.`,
    );
  }
}
