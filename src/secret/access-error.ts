import { TokenRefresherError } from '../shared/errors.js';

/**
 * A Secrets Manager call failed for a reason the refresher cannot work around: access denied, the
 * secret scheduled for deletion, an ARN that names no secret, or a service error after retries.
 * `operation` and `secretId` say where; `cause` carries the SDK error.
 *
 * @example
 * ```ts
 * catch (error) {
 *   if (error instanceof SecretAccessError) console.error(error.operation, error.secretId, error.cause);
 * }
 * ```
 */
export class SecretAccessError extends TokenRefresherError {
  readonly operation: string;
  readonly secretId: string;

  constructor(operation: string, secretId: string, advice: string, options?: { cause?: unknown }) {
    const reason = describeCause(options?.cause);
    super(`Secrets Manager ${operation} on "${secretId}" failed${reason}. ${advice}`, options);
    this.operation = operation;
    this.secretId = secretId;
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `: ${cause.name}: ${cause.message}`;
  return '';
}
