import { randomUUID } from 'node:crypto';
import { SecretsManagerServiceError } from './errors.js';
import type { SecretsManagerModel } from './model.js';
import { validateInput, type MemberShape, type StructureShape } from './validation.js';

/**
 * The awsJson1_1 wire layer, free of HTTP: `X-Amz-Target` + JSON body in, status + headers + JSON
 * body out (SM-WIRE-1..15). The HTTP server and any in-process SDK request handler sit on top of it.
 */

/**
 * An HTTP-free response: what to send back for one request.
 *
 * @example
 * ```ts
 * const { statusCode, headers, body }: WireResponse = dispatch(model, target, requestBody);
 * ```
 */
export interface WireResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const secretId: MemberShape = { kind: 'string', min: 1, max: 2048 };
const versionId: MemberShape = { kind: 'string', min: 32, max: 64 };
const versionStage: MemberShape = { kind: 'string', min: 1, max: 256 };
const nextToken: MemberShape = { kind: 'string', min: 1, max: 4096 };
const description: MemberShape = { kind: 'string', max: 2048 };
const kmsKeyId: MemberShape = { kind: 'string', max: 2048 };
/** A Region name, with the pattern of AWS's ReplicaRegionType / ReplicationStatusType. */
const region: MemberShape = { kind: 'string', min: 1, max: 128, pattern: '^([a-z]+-)+\\d+$' };
// SM-QUOTA-6: 65,536 bytes. SecretString has no minimum here because AWS answers "" with
// InvalidRequestException (SM-PUT-1, recorded), not with a ValidationException.
const secretString: MemberShape = { kind: 'string', maxBytes: 65_536, sensitive: true };
const secretBinary: MemberShape = { kind: 'blob', max: 65_536, sensitive: true };
const tags: MemberShape = {
  kind: 'list',
  member: {
    kind: 'structure',
    members: { Key: { kind: 'string', min: 1, max: 128 }, Value: { kind: 'string', max: 256 } },
    required: ['Key', 'Value'],
  },
};
const filters: MemberShape = {
  kind: 'list',
  max: 10,
  member: {
    kind: 'structure',
    members: {
      Key: { kind: 'string', values: ['description', 'name', 'tag-key', 'tag-value', 'primary-region', 'owning-service', 'all'] },
      // FILTER-KEYS: the value pattern of AWS's Filter type.
      Values: { kind: 'list', min: 1, max: 10, member: { kind: 'string', max: 512, pattern: '^\\!?[a-zA-Z0-9 :_@\\/\\+\\=\\.\\-\\!]*$' } },
    },
  },
};

/** The validated input of a model method: the wire layer has checked its required members. */
type InputOf<Method extends keyof SecretsManagerModel> = SecretsManagerModel[Method] extends (input: infer Input) => unknown ? Input : never;

function structure(members: Record<string, MemberShape>, required: readonly string[] = []): StructureShape {
  return { kind: 'structure', members, required };
}

/** Each supported operation: its input shape and the model method that serves it. */
const operations = {
  CreateSecret: {
    input: structure(
      {
        Name: { kind: 'string', min: 1, max: 512 },
        ClientRequestToken: versionId,
        Description: description,
        KmsKeyId: kmsKeyId,
        SecretString: secretString,
        SecretBinary: secretBinary,
        Tags: tags,
        AddReplicaRegions: { kind: 'list', member: structure({ Region: { kind: 'string', min: 1, max: 128 }, KmsKeyId: kmsKeyId }) },
        ForceOverwriteReplicaSecret: { kind: 'boolean' },
      },
      ['Name'],
    ),
    run: (model: SecretsManagerModel, input: object) => model.createSecret(input as InputOf<'createSecret'>),
  },
  GetSecretValue: {
    input: structure({ SecretId: secretId, VersionId: versionId, VersionStage: versionStage }, ['SecretId']),
    run: (model: SecretsManagerModel, input: object) => model.getSecretValue(input as InputOf<'getSecretValue'>),
  },
  BatchGetSecretValue: {
    input: structure({
      SecretIdList: { kind: 'list', min: 1, max: 20, member: secretId },
      Filters: filters,
      MaxResults: { kind: 'integer', min: 1, max: 20 },
      NextToken: nextToken,
    }),
    run: (model: SecretsManagerModel, input: object) => model.batchGetSecretValue(input as InputOf<'batchGetSecretValue'>),
  },
  PutSecretValue: {
    input: structure(
      {
        SecretId: secretId,
        ClientRequestToken: versionId,
        SecretString: secretString,
        SecretBinary: secretBinary,
        VersionStages: { kind: 'list', min: 1, max: 20, member: versionStage },
        RotationToken: { kind: 'string', min: 36, max: 256, sensitive: true },
      },
      ['SecretId'],
    ),
    run: (model: SecretsManagerModel, input: object) => model.putSecretValue(input as InputOf<'putSecretValue'>),
  },
  UpdateSecret: {
    input: structure(
      {
        SecretId: secretId,
        ClientRequestToken: versionId,
        Description: description,
        KmsKeyId: kmsKeyId,
        SecretString: secretString,
        SecretBinary: secretBinary,
      },
      ['SecretId'],
    ),
    run: (model: SecretsManagerModel, input: object) => model.updateSecret(input as InputOf<'updateSecret'>),
  },
  UpdateSecretVersionStage: {
    input: structure({ SecretId: secretId, VersionStage: versionStage, RemoveFromVersionId: versionId, MoveToVersionId: versionId }, [
      'SecretId',
      'VersionStage',
    ]),
    run: (model: SecretsManagerModel, input: object) => model.updateSecretVersionStage(input as InputOf<'updateSecretVersionStage'>),
  },
  DescribeSecret: {
    input: structure({ SecretId: secretId }, ['SecretId']),
    run: (model: SecretsManagerModel, input: object) => model.describeSecret(input as InputOf<'describeSecret'>),
  },
  ListSecretVersionIds: {
    input: structure(
      { SecretId: secretId, MaxResults: { kind: 'integer', min: 1, max: 100 }, NextToken: nextToken, IncludeDeprecated: { kind: 'boolean' } },
      ['SecretId'],
    ),
    run: (model: SecretsManagerModel, input: object) => model.listSecretVersionIds(input as InputOf<'listSecretVersionIds'>),
  },
  ListSecrets: {
    input: structure({
      IncludePlannedDeletion: { kind: 'boolean' },
      MaxResults: { kind: 'integer', min: 1, max: 100 },
      NextToken: nextToken,
      Filters: filters,
      SortOrder: { kind: 'string', values: ['asc', 'desc'] },
      SortBy: { kind: 'string', values: ['created-date', 'last-accessed-date', 'last-changed-date', 'name'] },
    }),
    run: (model: SecretsManagerModel, input: object) => model.listSecrets(input as InputOf<'listSecrets'>),
  },
  DeleteSecret: {
    input: structure({ SecretId: secretId, RecoveryWindowInDays: { kind: 'integer' }, ForceDeleteWithoutRecovery: { kind: 'boolean' } }, [
      'SecretId',
    ]),
    run: (model: SecretsManagerModel, input: object) => model.deleteSecret(input as InputOf<'deleteSecret'>),
  },
  RestoreSecret: {
    input: structure({ SecretId: secretId }, ['SecretId']),
    run: (model: SecretsManagerModel, input: object) => model.restoreSecret(input as InputOf<'restoreSecret'>),
  },
  RotateSecret: {
    input: structure(
      {
        SecretId: secretId,
        ClientRequestToken: versionId,
        RotationLambdaARN: { kind: 'string', max: 2048 },
        RotationRules: structure({
          AutomaticallyAfterDays: { kind: 'integer', min: 1, max: 1000 },
          Duration: { kind: 'string', min: 2, max: 3 },
          ScheduleExpression: { kind: 'string', min: 1, max: 256 },
        }),
        RotateImmediately: { kind: 'boolean' },
      },
      ['SecretId'],
    ),
    run: (model: SecretsManagerModel, input: object) => model.rotateSecret(input as InputOf<'rotateSecret'>),
  },
  ReplicateSecretToRegions: {
    input: structure(
      {
        SecretId: secretId,
        AddReplicaRegions: {
          kind: 'list',
          min: 1,
          member: structure({ Region: region, KmsKeyId: kmsKeyId }, ['Region']),
        },
        ForceOverwriteReplicaSecret: { kind: 'boolean' },
      },
      ['SecretId', 'AddReplicaRegions'],
    ),
    run: (model: SecretsManagerModel, input: object) => model.replicateSecretToRegions(input as InputOf<'replicateSecretToRegions'>),
  },
  RemoveRegionsFromReplication: {
    input: structure({ SecretId: secretId, RemoveReplicaRegions: { kind: 'list', min: 1, member: region } }, ['SecretId', 'RemoveReplicaRegions']),
    run: (model: SecretsManagerModel, input: object) => model.removeRegionsFromReplication(input as InputOf<'removeRegionsFromReplication'>),
  },
  StopReplicationToReplica: {
    input: structure({ SecretId: secretId }, ['SecretId']),
    run: (model: SecretsManagerModel, input: object) => model.stopReplicationToReplica(input as InputOf<'stopReplicationToReplica'>),
  },
  TagResource: {
    input: structure({ SecretId: secretId, Tags: tags }, ['SecretId', 'Tags']),
    run: (model: SecretsManagerModel, input: object) => model.tagResource(input as InputOf<'tagResource'>),
  },
  UntagResource: {
    input: structure({ SecretId: secretId, TagKeys: { kind: 'list', member: { kind: 'string', min: 1, max: 128 } } }, ['SecretId', 'TagKeys']),
    run: (model: SecretsManagerModel, input: object) => model.untagResource(input as InputOf<'untagResource'>),
  },
} as const;

/** The name of an operation the emulator serves, e.g. `GetSecretValue`. */
export type OperationName = keyof typeof operations;

/**
 * Every operation the emulator serves.
 *
 * @example
 * ```ts
 * operationNames.includes('PutSecretValue'); // true
 * ```
 */
export const operationNames = Object.keys(operations) as OperationName[];

const TARGET_PREFIX = 'secretsmanager.';

/**
 * The operation an `X-Amz-Target` header names, or `undefined` if it names none the emulator serves.
 *
 * @example
 * ```ts
 * operationOf('secretsmanager.GetSecretValue'); // 'GetSecretValue'
 * ```
 */
export function operationOf(target: string | undefined): OperationName | undefined {
  if (target === undefined || !target.startsWith(TARGET_PREFIX)) return undefined;
  const name = target.slice(TARGET_PREFIX.length);
  return Object.hasOwn(operations, name) ? (name as OperationName) : undefined;
}

/**
 * Serves one awsJson1_1 request against `model`: parses and validates the body, runs the
 * operation, and shapes the answer as AWS does — epoch-second timestamps, base64 blobs, omitted
 * empty members, and errors as `{"__type","Message"}` with a matching `x-amzn-errortype` header.
 * Never throws: an unexpected failure is a 500 `InternalServiceError`.
 *
 * @example
 * ```ts
 * const response = dispatch(model, 'secretsmanager.GetSecretValue', JSON.stringify({ SecretId: 'app/token' }));
 * response.statusCode; // 200
 * ```
 */
export function dispatch(model: SecretsManagerModel, target: string | undefined, body: string): WireResponse {
  try {
    const operation = operationOf(target);
    if (!operation) {
      // SM-WIRE-15 (Coral's code; unverified for this service).
      throw new SecretsManagerServiceError(
        'UnknownOperationException',
        `The X-Amz-Target header must name a Secrets Manager operation the emulator serves, as secretsmanager.<Operation>; got ${
          target === undefined ? 'no header' : JSON.stringify(target.slice(0, 200))
        }.`,
      );
    }
    const spec = operations[operation];
    const input = validateInput(parseBody(body), spec.input);
    return success(spec.run(model, input));
  } catch (error) {
    return failure(error);
  }
}

/**
 * `dispatch` bound to one model: `(target, body) => response`, the shape an in-process SDK request
 * handler needs.
 *
 * @example
 * ```ts
 * const handle = createDispatcher(model);
 * const { statusCode, headers, body } = handle('secretsmanager.DescribeSecret', '{"SecretId":"app/token"}');
 * ```
 */
export function createDispatcher(model: SecretsManagerModel): (target: string | undefined, body: string) => WireResponse {
  return (target, body) => dispatch(model, target, body);
}

/** The wire form of an error: `{"__type","Message"}`, `x-amzn-errortype`, status 400 (500 if internal). */
export function failure(error: unknown): WireResponse {
  const known =
    error instanceof SecretsManagerServiceError
      ? error
      : new SecretsManagerServiceError('InternalServiceError', 'The emulator failed to process the request.', { statusCode: 500 });
  return {
    statusCode: known.statusCode,
    headers: { ...baseHeaders(), 'x-amzn-errortype': known.type },
    body: JSON.stringify({ __type: known.type, Message: known.message }),
  };
}

function success(output: object): WireResponse {
  return { statusCode: 200, headers: baseHeaders(), body: JSON.stringify(toWire(output)) };
}

function baseHeaders(): Record<string, string> {
  return { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() };
}

function parseBody(body: string): unknown {
  if (body.trim() === '') return {};
  try {
    return JSON.parse(body);
  } catch {
    // SM-WIRE-15 (Coral's code; text unverified).
    throw new SecretsManagerServiceError('SerializationException', 'The request body is not valid JSON.');
  }
}

/** SM-WIRE-4/5/6: `Date` → epoch seconds, bytes → base64, `undefined` members omitted. */
function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) return value.map(toWire);
  if (typeof value === 'object' && value !== null) {
    const output: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) if (member !== undefined) output[key] = toWire(member);
    return output;
  }
  return value;
}
