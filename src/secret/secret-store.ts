import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { systemClock, type Clock } from '../shared/clock.js';
import { checkNumber } from '../shared/option-checks.js';
import { SecretAccessError } from './access-error.js';
import type { VersionCensus } from './errors.js';
import { assertSecretId, secretNameOf } from './secret-id.js';
import { accessFailure, errorName, type CensusOptions, type LabelRead, type MoveOutcome, type StoreAccess } from './store-access.js';

export { AWSCURRENT, AWSPENDING, AWSPREVIOUS, type CensusOptions, type LabelRead, type MoveOutcome } from './store-access.js';

/** Options for {@link SecretStore}. */
export interface SecretStoreOptions {
  client: SecretsManagerClient;
  /** The secret's name or ARN. */
  secretId: string;
  clock?: Clock;
  random?: () => number;
  /**
   * Attempts for writes (`PutSecretValue`, `UpdateSecretVersionStage`) on transient failures, on top
   * of the SDK's own retries. The requests are idempotent, so repeating them is safe. Default 3.
   */
  writeAttempts?: number;
}

/** The writes, loaded with the first of them: a reader's cold start only reads (see secret-writes.ts). */
const writes = () => import('./secret-writes.js');

/**
 * Secrets Manager access for one secret: read a label, create the secret when it is missing, write
 * a pending version with a fixed `ClientRequestToken`, move a label by compare-and-swap, and count
 * versions against the quota. Every read names its `VersionStage` explicitly (IAM conditions on
 * `secretsmanager:VersionStage` see it). Values are handled, never logged or put in errors.
 *
 * @example
 * ```ts
 * const store = new SecretStore({ client: new SecretsManagerClient({}), secretId: 'api-token' });
 * const current = await store.read('AWSCURRENT');
 * if (current.found) console.log(current.versionId);
 * ```
 */
export class SecretStore {
  readonly secretId: string;
  /** The name part of `secretId` (an ARN's name without its random suffix). */
  readonly secretName: string;
  readonly #access: StoreAccess;

  constructor(options: SecretStoreOptions) {
    assertSecretId(options.secretId);
    const writeAttempts = checkNumber('writeAttempts', options.writeAttempts ?? 3, { min: 1, whole: true });
    this.secretId = options.secretId;
    this.secretName = secretNameOf(options.secretId);
    this.#access = {
      client: options.client,
      secretId: options.secretId,
      clock: options.clock ?? systemClock,
      random: options.random ?? Math.random,
      writeAttempts,
    };
  }

  /**
   * Reads the version carrying `label`. A missing secret or label is a result, not an error; a
   * binary value is reported as an empty string so that the codec rejects it with a clear message.
   */
  async read(label: string, signal?: AbortSignal): Promise<LabelRead> {
    try {
      const output = await this.#access.client.send(new GetSecretValueCommand({ SecretId: this.secretId, VersionStage: label }), {
        abortSignal: signal,
      });
      if (output.VersionId === undefined) {
        throw new SecretAccessError(
          'GetSecretValue',
          this.secretId,
          'The response carried no VersionId; check the endpoint points at Secrets Manager.',
        );
      }
      return {
        found: true,
        versionId: output.VersionId,
        value: output.SecretString ?? '',
        createdAt: output.CreatedDate?.getTime(),
        stages: output.VersionStages ?? [],
      };
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') {
        // "…can't find the specified secret value for staging label: L" means the secret exists.
        const message = error instanceof Error ? error.message : '';
        return { found: false, missing: /secret value|staging label/i.test(message) ? 'label' : 'secret' };
      }
      throw accessFailure('GetSecretValue', this.secretId, error);
    }
  }

  /**
   * Reads one version by id (for rollback and status, which address versions rather than labels).
   * Returns `undefined` when the version does not exist or was purged.
   */
  async readVersion(versionId: string, signal?: AbortSignal): Promise<Extract<LabelRead, { found: true }> | undefined> {
    return (await writes()).readVersion(this.#access, versionId, signal);
  }

  /**
   * Creates the secret, without a value, when it does not exist. Returns `existed` when someone else
   * created it first. A secret given by ARN cannot be created: that is an error saying so.
   */
  async ensureSecret(signal?: AbortSignal): Promise<'created' | 'existed'> {
    return (await writes()).ensureSecret(this.#access, signal);
  }

  /**
   * Writes `value` as a new version labelled only `pendingLabel`, with `VersionId = versionId`. A
   * repeat with the same id and value is a no-op on Secrets Manager's side, so lost responses and
   * retries never create a second version. (On a secret with no value yet, Secrets Manager also
   * attaches AWSCURRENT to this first version.)
   */
  async putPending(options: { value: string; versionId: string; pendingLabel?: string; signal?: AbortSignal }): Promise<void> {
    return (await writes()).putPending(this.#access, options);
  }

  /**
   * Moves `label` to `moveTo`, on the condition that it is currently on `removeFrom` (or on no
   * version when `removeFrom` is undefined). Returns `conflict` when the condition failed — someone
   * else moved the label, or an earlier attempt of this very call landed and lost its response; read
   * the label to tell which.
   */
  async moveLabel(options: { label: string; moveTo: string; removeFrom: string | undefined; signal?: AbortSignal }): Promise<MoveOutcome> {
    return (await writes()).moveLabel(this.#access, options);
  }

  /**
   * Counts the secret's versions (labelled and deprecated) against the quota. Costs one
   * `ListSecretVersionIds` per 100 versions.
   */
  async census(options: CensusOptions): Promise<VersionCensus> {
    return (await writes()).census(this.#access, options);
  }
}
