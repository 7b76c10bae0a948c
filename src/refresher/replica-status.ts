import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Clock } from '../shared/clock.js';
import { ConfigurationError } from '../shared/errors.js';
import { REGION_PATTERN } from '../shared/region.js';
import { SecretStore, type LabelRead } from '../secret/secret-store.js';
import type { TokenCodec } from '../token/codec.js';

/** One replica of the secret as {@link status} reports it. Never contains the token. */
export interface ReplicaStatus {
  region: string;
  /** The version on the label in that Region, if any. */
  versionId: string | undefined;
  generation: number | undefined;
  /** Whether the replica's label is on the primary's version. */
  inSync: boolean;
  /** While behind: how long the primary's version has existed without reaching the replica (a lower bound of the lag). */
  behindMs: number | undefined;
  /** Why the replica could not be read, when it could not. */
  problem?: string;
}

/** Where to read the replicas, and what the primary holds. */
export interface ReplicaQuery {
  secretId: string;
  label: string;
  codec: TokenCodec;
  clock: Clock;
  primary: LabelRead;
  regions: readonly string[];
  clientFor: (region: string) => SecretsManagerClient;
  signal?: AbortSignal;
}

/**
 * Checks `replicaRegions` up front: Region names, and a secret given by name (a replica's ARN differs
 * from the primary's by its Region).
 *
 * @example
 * ```ts
 * checkReplicaRegions(['eu-west-1'], 'prod/api-token');
 * ```
 */
export function checkReplicaRegions(regions: unknown, secretId: string): readonly string[] {
  if (!Array.isArray(regions) || regions.length === 0 || regions.some((region) => typeof region !== 'string' || !REGION_PATTERN.test(region))) {
    throw new ConfigurationError(`Option "replicaRegions" must list AWS Regions such as ["eu-west-1"]; got ${JSON.stringify(regions)}.`);
  }
  if (secretId.startsWith('arn:')) {
    throw new ConfigurationError('Option "secretId" must be the secret\'s name with "replicaRegions": a replica\'s ARN differs by its Region.');
  }
  return regions as string[];
}

/** Reads the label in each replica Region and compares it with the primary's version. */
export function describeReplicas(query: ReplicaQuery): Promise<ReplicaStatus[]> {
  return Promise.all(query.regions.map((region) => describeReplica(query, region)));
}

async function describeReplica(query: ReplicaQuery, region: string): Promise<ReplicaStatus> {
  const { primary, clock } = query;
  const store = new SecretStore({ client: query.clientFor(region), secretId: query.secretId, clock });
  let read: LabelRead;
  try {
    read = await store.read(query.label, query.signal);
  } catch (error) {
    return { region, versionId: undefined, generation: undefined, inSync: false, behindMs: undefined, problem: (error as Error).message };
  }
  const versionId = read.found ? read.versionId : undefined;
  const inSync = primary.found && versionId === primary.versionId;
  const since = primary.found && !inSync ? primary.createdAt : undefined;
  return {
    region,
    versionId,
    generation: read.found ? generationOf(query.codec, read.value) : undefined,
    inSync,
    behindMs: since === undefined ? undefined : Math.max(0, clock.now() - since),
    ...(read.found ? {} : { problem: read.missing === 'secret' ? 'no replica of the secret in this Region' : `no version labelled ${query.label}` }),
  };
}

function generationOf(codec: TokenCodec, value: string): number | undefined {
  try {
    return codec.decode(value).generation;
  } catch {
    // An unreadable value is reported for the primary; a replica only says which version it holds.
    return undefined;
  }
}
