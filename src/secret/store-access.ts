import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Clock } from '../shared/clock.js';
import { SecretAccessError } from './access-error.js';

/** The label Secrets Manager readers get by default. */
export const AWSCURRENT = 'AWSCURRENT';
/** The label Secrets Manager moves AWSCURRENT's previous holder to. */
export const AWSPREVIOUS = 'AWSPREVIOUS';
/** The label new versions are written with before they are promoted (invisible to readers). */
export const AWSPENDING = 'AWSPENDING';

/** The result of reading one label. */
export type LabelRead =
  | {
      found: true;
      versionId: string;
      value: string;
      /** The version's creation date, epoch milliseconds, when Secrets Manager reports it. */
      createdAt: number | undefined;
      stages: readonly string[];
    }
  | {
      found: false;
      /** `secret`: no such secret. `label`: the secret exists but the label is on no version. */
      missing: 'secret' | 'label';
    };

/** The outcome of a compare-and-swap on a label. */
export type MoveOutcome = 'moved' | 'conflict';

/** Options for {@link SecretStore.census}. */
export interface CensusOptions {
  /** The version quota to count against. Secrets Manager's is about 100. */
  quota: number;
  /** The headroom at or below which writes are refused. */
  guard: number;
  signal?: AbortSignal;
}

/**
 * What a `SecretStore` hands its writes (`secret-writes.ts`, loaded with the first of them): its
 * client, secret and settings. Here, apart from both, so that neither imports the other.
 */
export interface StoreAccess {
  client: SecretsManagerClient;
  secretId: string;
  clock: Clock;
  random: () => number;
  writeAttempts: number;
}

export function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError') && !('$metadata' in error);
}

/** A failed Secrets Manager call as the {@link SecretAccessError} that says what to do; aborts pass through. */
export function accessFailure(operation: string, secretId: string, error: unknown): unknown {
  if (error instanceof SecretAccessError || isAbort(error)) return error;
  const name = errorName(error);
  const message = error instanceof Error ? error.message : '';
  let advice = 'Check the network, the endpoint (AWS_ENDPOINT_URL_SECRETS_MANAGER) and the region, then retry.';
  if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException') {
    advice = `Grant secretsmanager:${operation} on this secret to the caller's role (see the iam-policy command).`;
  } else if (/marked for deletion/i.test(message)) {
    advice = 'The secret is scheduled for deletion: restore it (aws secretsmanager restore-secret) or use another secret.';
  } else if (name === 'ResourceNotFoundException') {
    advice = 'The secret does not exist: check secretId and the region.';
  } else if (name === 'ValidationException') {
    advice = 'The request was rejected as invalid: check secretId and the label.';
  }
  return new SecretAccessError(operation, secretId, advice, { cause: error });
}
