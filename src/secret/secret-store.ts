import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
  type SecretVersionsListEntry,
} from '@aws-sdk/client-secrets-manager';
import { systemClock, type Clock } from '../shared/clock.js';
import { ConfigurationError } from '../shared/errors.js';
import { SecretAccessError, VersionQuotaError, type VersionCensus } from './errors.js';
import { assertSecretId, isSecretArn, secretNameOf } from './secret-id.js';
import { retryTransient } from './transient.js';

/** The label Secrets Manager readers get by default. */
export const AWSCURRENT = 'AWSCURRENT';
/** The label Secrets Manager moves AWSCURRENT's previous holder to. */
export const AWSPREVIOUS = 'AWSPREVIOUS';
/** The label new versions are written with before they are promoted (invisible to readers). */
export const AWSPENDING = 'AWSPENDING';

const DAY_MS = 86_400_000;

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

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError') && !('$metadata' in error);
}

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
  readonly #client: SecretsManagerClient;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #writeAttempts: number;

  constructor(options: SecretStoreOptions) {
    assertSecretId(options.secretId);
    const writeAttempts = options.writeAttempts ?? 3;
    if (!Number.isInteger(writeAttempts) || writeAttempts < 1) {
      throw new ConfigurationError(`Option "writeAttempts" must be a positive integer; got ${String(writeAttempts)}.`);
    }
    this.#client = options.client;
    this.secretId = options.secretId;
    this.secretName = secretNameOf(options.secretId);
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#writeAttempts = writeAttempts;
  }

  /**
   * Reads the version carrying `label`. A missing secret or label is a result, not an error; a
   * binary value is reported as an empty string so that the codec rejects it with a clear message.
   */
  async read(label: string, signal?: AbortSignal): Promise<LabelRead> {
    try {
      const output = await this.#client.send(new GetSecretValueCommand({ SecretId: this.secretId, VersionStage: label }), { abortSignal: signal });
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
      throw this.#failure('GetSecretValue', error);
    }
  }

  /**
   * Reads one version by id (for rollback and status, which address versions rather than labels).
   * Returns `undefined` when the version does not exist or was purged.
   */
  async readVersion(versionId: string, signal?: AbortSignal): Promise<Extract<LabelRead, { found: true }> | undefined> {
    try {
      const output = await this.#client.send(new GetSecretValueCommand({ SecretId: this.secretId, VersionId: versionId }), { abortSignal: signal });
      return {
        found: true,
        versionId: output.VersionId ?? versionId,
        value: output.SecretString ?? '',
        createdAt: output.CreatedDate?.getTime(),
        stages: output.VersionStages ?? [],
      };
    } catch (error) {
      const name = errorName(error);
      if (name === 'ResourceNotFoundException') return undefined;
      if (name === 'InvalidRequestException' && /was deleted/i.test(error instanceof Error ? error.message : '')) return undefined;
      throw this.#failure('GetSecretValue', error);
    }
  }

  /**
   * Creates the secret, without a value, when it does not exist. Returns `existed` when someone else
   * created it first. A secret given by ARN cannot be created: that is an error saying so.
   */
  async ensureSecret(signal?: AbortSignal): Promise<'created' | 'existed'> {
    if (isSecretArn(this.secretId)) {
      throw new SecretAccessError(
        'CreateSecret',
        this.secretId,
        'The secret does not exist and cannot be created from an ARN: create it first, or pass its name as secretId so the refresher creates it.',
      );
    }
    try {
      await this.#client.send(new CreateSecretCommand({ Name: this.secretId, Description: 'Shared short-lived token managed by token-refresher.' }), {
        abortSignal: signal,
      });
      return 'created';
    } catch (error) {
      if (errorName(error) === 'ResourceExistsException') return 'existed';
      throw this.#failure('CreateSecret', error);
    }
  }

  /**
   * Writes `value` as a new version labelled only `pendingLabel`, with `VersionId = versionId`. A
   * repeat with the same id and value is a no-op on Secrets Manager's side, so lost responses and
   * retries never create a second version. (On a secret with no value yet, Secrets Manager also
   * attaches AWSCURRENT to this first version.)
   */
  async putPending(options: { value: string; versionId: string; pendingLabel?: string; signal?: AbortSignal }): Promise<void> {
    const command = new PutSecretValueCommand({
      SecretId: this.secretId,
      SecretString: options.value,
      ClientRequestToken: options.versionId,
      VersionStages: [options.pendingLabel ?? AWSPENDING],
    });
    try {
      await retryTransient(() => this.#client.send(command, { abortSignal: options.signal }), this.#retryOptions(options.signal));
    } catch (error) {
      if (errorName(error) === 'LimitExceededException') throw new VersionQuotaError(this.secretId, undefined, { cause: error });
      throw this.#failure('PutSecretValue', error);
    }
  }

  /**
   * Moves `label` to `moveTo`, on the condition that it is currently on `removeFrom` (or on no
   * version when `removeFrom` is undefined). Returns `conflict` when the condition failed — someone
   * else moved the label, or an earlier attempt of this very call landed and lost its response; read
   * the label to tell which.
   */
  async moveLabel(options: { label: string; moveTo: string; removeFrom: string | undefined; signal?: AbortSignal }): Promise<MoveOutcome> {
    const command = new UpdateSecretVersionStageCommand({
      SecretId: this.secretId,
      VersionStage: options.label,
      MoveToVersionId: options.moveTo,
      ...(options.removeFrom === undefined ? {} : { RemoveFromVersionId: options.removeFrom }),
    });
    try {
      await retryTransient(() => this.#client.send(command, { abortSignal: options.signal }), this.#retryOptions(options.signal));
      return 'moved';
    } catch (error) {
      if (errorName(error) === 'InvalidParameterException') return 'conflict';
      throw this.#failure('UpdateSecretVersionStage', error);
    }
  }

  /**
   * Counts the secret's versions (labelled and deprecated) against the quota. Costs one
   * `ListSecretVersionIds` per 100 versions.
   */
  async census(options: CensusOptions): Promise<VersionCensus> {
    const versions: SecretVersionsListEntry[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await this.#client.send(
          new ListSecretVersionIdsCommand({
            SecretId: this.secretId,
            IncludeDeprecated: true,
            MaxResults: 100,
            ...(nextToken === undefined ? {} : { NextToken: nextToken }),
          }),
          { abortSignal: options.signal },
        );
        versions.push(...(page.Versions ?? []));
        nextToken = page.NextToken;
      } while (nextToken !== undefined);
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') versions.length = 0;
      else throw this.#failure('ListSecretVersionIds', error);
    }
    const takenAt = this.#clock.now();
    let labelled = 0;
    let createdLast24h = 0;
    let nonRemovable = 0;
    for (const version of versions) {
      const hasLabel = (version.VersionStages?.length ?? 0) > 0;
      const young = version.CreatedDate === undefined || takenAt - version.CreatedDate.getTime() < DAY_MS;
      if (hasLabel) labelled += 1;
      if (young) createdLast24h += 1;
      if (hasLabel || young) nonRemovable += 1;
    }
    return {
      total: versions.length,
      labelled,
      deprecated: versions.length - labelled,
      createdLast24h,
      nonRemovable,
      quota: options.quota,
      headroom: options.quota - nonRemovable,
      guard: options.guard,
      takenAt,
    };
  }

  #retryOptions(signal: AbortSignal | undefined) {
    return { attempts: this.#writeAttempts, clock: this.#clock, random: this.#random, ...(signal === undefined ? {} : { signal }) };
  }

  #failure(operation: string, error: unknown): unknown {
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
    return new SecretAccessError(operation, this.secretId, advice, { cause: error });
  }
}
