import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type SecretVersionsListEntry,
} from '@aws-sdk/client-secrets-manager';
import { SecretAccessError, VersionQuotaError, type VersionCensus } from './errors.js';
import { isSecretArn } from './secret-id.js';
import { AWSPENDING, accessFailure, errorName, type CensusOptions, type LabelRead, type MoveOutcome, type StoreAccess } from './store-access.js';
import { retryTransient } from './transient.js';

// Everything a `SecretStore` does besides reading a label: the lease holder's writes, and the
// reads by version id of status and rollback. A reader never calls them, so they load with the first
// call (SecretStore's methods import this module), not at a Lambda's cold start.

const DAY_MS = 86_400_000;

/** {@link SecretStore.readVersion}. */
export async function readVersion(
  access: StoreAccess,
  versionId: string,
  signal: AbortSignal | undefined,
): Promise<Extract<LabelRead, { found: true }> | undefined> {
  try {
    const output = await access.client.send(new GetSecretValueCommand({ SecretId: access.secretId, VersionId: versionId }), { abortSignal: signal });
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
    throw accessFailure('GetSecretValue', access.secretId, error);
  }
}

/** {@link SecretStore.ensureSecret}. */
export async function ensureSecret(access: StoreAccess, signal: AbortSignal | undefined): Promise<'created' | 'existed'> {
  if (isSecretArn(access.secretId)) {
    throw new SecretAccessError(
      'CreateSecret',
      access.secretId,
      'The secret does not exist and cannot be created from an ARN: create it first, or pass its name as secretId so the refresher creates it.',
    );
  }
  try {
    await access.client.send(
      new CreateSecretCommand({ Name: access.secretId, Description: 'Shared short-lived token managed by token-refresher.' }),
      {
        abortSignal: signal,
      },
    );
    return 'created';
  } catch (error) {
    if (errorName(error) === 'ResourceExistsException') return 'existed';
    throw accessFailure('CreateSecret', access.secretId, error);
  }
}

/** {@link SecretStore.putPending}. */
export async function putPending(
  access: StoreAccess,
  options: { value: string; versionId: string; pendingLabel?: string; signal?: AbortSignal },
): Promise<void> {
  const command = new PutSecretValueCommand({
    SecretId: access.secretId,
    SecretString: options.value,
    ClientRequestToken: options.versionId,
    VersionStages: [options.pendingLabel ?? AWSPENDING],
  });
  try {
    await retryTransient(() => access.client.send(command, { abortSignal: options.signal }), retryOptions(access, options.signal));
  } catch (error) {
    if (errorName(error) === 'LimitExceededException') throw new VersionQuotaError(access.secretId, undefined, { cause: error });
    throw accessFailure('PutSecretValue', access.secretId, error);
  }
}

/** {@link SecretStore.moveLabel}. */
export async function moveLabel(
  access: StoreAccess,
  options: { label: string; moveTo: string; removeFrom: string | undefined; signal?: AbortSignal },
): Promise<MoveOutcome> {
  const command = new UpdateSecretVersionStageCommand({
    SecretId: access.secretId,
    VersionStage: options.label,
    MoveToVersionId: options.moveTo,
    ...(options.removeFrom === undefined ? {} : { RemoveFromVersionId: options.removeFrom }),
  });
  try {
    await retryTransient(() => access.client.send(command, { abortSignal: options.signal }), retryOptions(access, options.signal));
    return 'moved';
  } catch (error) {
    if (errorName(error) === 'InvalidParameterException') return 'conflict';
    throw accessFailure('UpdateSecretVersionStage', access.secretId, error);
  }
}

/** {@link SecretStore.census}. */
export async function census(access: StoreAccess, options: CensusOptions): Promise<VersionCensus> {
  const versions: SecretVersionsListEntry[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await access.client.send(
        new ListSecretVersionIdsCommand({
          SecretId: access.secretId,
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
    else throw accessFailure('ListSecretVersionIds', access.secretId, error);
  }
  const takenAt = access.clock.now();
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

function retryOptions(access: StoreAccess, signal: AbortSignal | undefined) {
  return { attempts: access.writeAttempts, clock: access.clock, random: access.random, ...(signal === undefined ? {} : { signal }) };
}
