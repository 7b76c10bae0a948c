import { lockNameFor } from '../refresher/lock-name.js';
import { ConfigurationError } from '../shared/errors.js';
import {
  CREATE_SECRET_ACTIONS,
  KMS_READ_ACTIONS,
  KMS_WRITE_ACTIONS,
  LOCK_ITEM_ACTIONS,
  OPERATOR_SECRET_ACTIONS,
  READER_ACTIONS,
  REFRESHER_SECRET_ACTIONS,
  TABLE_ADMIN_ACTIONS,
} from './actions.js';
import {
  ACCOUNT_PATTERN,
  PARTITION_PATTERN,
  REGION_PATTERN,
  parseSecret,
  parseTable,
  secretArnPattern,
  tableArn,
  type ResourceLocation,
} from './arn.js';
import type { PolicyDocument, PolicyStatement } from './policy-document.js';

/**
 * Options of {@link buildPolicies}.
 *
 * @example
 * ```ts
 * const options: BuildPoliciesOptions = { secret: 'prod/api-token', table: 'token-locks', region: 'eu-west-1', accountId: '123456789012' };
 * ```
 */
export interface BuildPoliciesOptions {
  /** The token's secret: its name, or its full ARN (as DescribeSecret shows it). */
  secret: string;
  /** The lock table: its name, or its ARN. */
  table: string;
  /** The lock item's name (its partition key), if the refresher was given one. Default {@link lockNameFor}(secret, label). */
  lockName?: string;
  /** The label the refresher manages and readers read. Default `'AWSCURRENT'`. */
  label?: string;
  /** Region of resources given by name. Taken from an ARN when one is given; `*` when unknown. */
  region?: string;
  /** Account of resources given by name. Taken from an ARN when one is given; `*` when unknown. */
  accountId?: string;
  /** Partition of resources given by name. Default `'aws'`, or the one in an ARN. */
  partition?: string;
  /**
   * Whether the refresher may create the secret when it is missing. Default: true when the secret is
   * given by name; a secret given by ARN exists already, so this must then be false.
   */
  allowCreateSecret?: boolean;
  /** The customer managed KMS key that encrypts the secret, if any (the AWS managed key needs no grant). */
  kmsKeyArn?: string;
  /**
   * Regions that hold replicas of the secret (`ReplicateSecretToRegions`): readers and refreshers may
   * read the managed label there too; writes stay on the primary, as replicas refuse them.
   */
  replicaRegions?: readonly string[];
  /**
   * The secret keeping the refresh state (the refreshers' `stateSecretId`), name or ARN, in the
   * primary's Region and account when given by name. Refreshers and the operator (`seed-state`) may
   * read and write it; readers get nothing on it.
   */
  stateSecret?: string;
}

/**
 * The three least-privilege policies, plus the caveats of the inputs (unknown region or account
 * widen the resource patterns to `*` in that position).
 *
 * @example
 * ```ts
 * const { refresher, warnings }: TokenRefresherPolicies = buildPolicies({ secret: 'api-token', table: 'locks' });
 * for (const warning of warnings) console.warn(warning);
 * ```
 */
export interface TokenRefresherPolicies {
  /** For processes that only read the token (they must pass `VersionStage`, as the library does). */
  reader: PolicyDocument;
  /** For processes that may refresh it: the reader's rights, writes to the secret, the lock item. */
  refresher: PolicyDocument;
  /** For whoever runs `init-table`: create and describe the lock table, enable its TTL. */
  tableAdmin: PolicyDocument;
  /** For whoever runs `status` and `rollback`: read any version, count versions, move the label back, use the lock item. */
  operator: PolicyDocument;
  warnings: string[];
}

const KMS_KEY_ARN = /^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]{1,128}$/;
const KNOWN_OPTIONS = new Set([
  'secret',
  'table',
  'lockName',
  'label',
  'region',
  'accountId',
  'partition',
  'allowCreateSecret',
  'kmsKeyArn',
  'replicaRegions',
  'stateSecret',
]);

/**
 * Builds identity policies that grant each role exactly the calls the library makes, on exactly one
 * secret, one label and one lock item — readers, refreshers, the `init-table` admin and the operator
 * who runs `status` and `rollback`:
 *
 * - `GetSecretValue` only with `secretsmanager:VersionStage` = the label (`ForAnyValue:StringEquals`:
 *   a request without `VersionStage` — which would default to AWSCURRENT — is denied rather than
 *   matched vacuously, and so is reading AWSPENDING or AWSPREVIOUS);
 * - `UpdateSecretVersionStage` only for that label;
 * - the lock table's `GetItem`/`UpdateItem` only on the one lock item (`dynamodb:LeadingKeys`
 *   = the lock name, exactly: narrower than the per-secret prefix, and one label needs no more);
 * - `CreateSecret` only for that name, on `name-??????` — the suffix is unknown before creation.
 *
 * @example
 * ```ts
 * const { reader, refresher, tableAdmin, warnings } = buildPolicies({
 *   secret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/api-token-AbC123',
 *   table: 'arn:aws:dynamodb:eu-west-1:123456789012:table/token-locks',
 * });
 * console.log(JSON.stringify(refresher, null, 2));
 * ```
 */
export function buildPolicies(options: BuildPoliciesOptions): TokenRefresherPolicies {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('buildPolicies: pass an options object with secret and table.');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new ConfigurationError(`buildPolicies: unknown option ${key}; accepted: ${[...KNOWN_OPTIONS].join(', ')}.`);
    }
  }
  const secret = parseSecret(options.secret);
  const table = parseTable(options.table);
  const label = labelOf(options.label);
  const lockName = options.lockName === undefined ? lockNameFor(options.secret, label) : lockNameOf(options.lockName);
  const given = givenLocation(options);
  const secretLocation = merge('secret', secret.location, given);
  const tableLocation = merge('table', table.location, given);
  if (secretLocation.partition !== tableLocation.partition) {
    throw new ConfigurationError(
      `buildPolicies: the secret is in partition ${secretLocation.partition} but the table in ${tableLocation.partition}; both must be in one partition.`,
    );
  }
  const allowCreate = options.allowCreateSecret ?? secret.arn === undefined;
  if (typeof allowCreate !== 'boolean') {
    throw new ConfigurationError('buildPolicies: allowCreateSecret must be true or false.');
  }
  if (allowCreate && secret.arn !== undefined) {
    throw new ConfigurationError(
      'buildPolicies: allowCreateSecret needs the secret by name: a secret given by ARN exists already (the refresher never creates one from an ARN).',
    );
  }
  const kmsKeyArn = kmsKeyOf(options.kmsKeyArn);

  const secretResource = secret.arn ?? secretArnPattern(secret.name, secretLocation);
  const replicaResources = replicaRegionsOf(options.replicaRegions, secretLocation).map((region) =>
    // A replica's ARN is the primary's with another Region, suffix included.
    secret.arn === undefined
      ? secretArnPattern(secret.name, { ...secretLocation, region })
      : secret.arn.replace(`:${secretLocation.region}:`, `:${region}:`),
  );
  const tableResource = tableArn(table.name, tableLocation);
  const readLabel: PolicyStatement = {
    Sid: 'ReadManagedLabel',
    Effect: 'Allow',
    Action: [...READER_ACTIONS],
    Resource: [secretResource, ...replicaResources],
    Condition: { 'ForAnyValue:StringEquals': { 'secretsmanager:VersionStage': [label] } },
  };
  const decrypt = kmsStatement('DecryptSecret', [...KMS_READ_ACTIONS], kmsKeyArn, secretResource);

  const refresherStatements: PolicyStatement[] = [
    readLabel,
    {
      Sid: 'WriteAndCountVersions',
      Effect: 'Allow',
      Action: REFRESHER_SECRET_ACTIONS.filter((action) => action !== 'secretsmanager:UpdateSecretVersionStage'),
      Resource: [secretResource],
    },
    {
      Sid: 'PromoteManagedLabel',
      Effect: 'Allow',
      Action: ['secretsmanager:UpdateSecretVersionStage'],
      Resource: [secretResource],
      Condition: { 'ForAnyValue:StringEquals': { 'secretsmanager:VersionStage': [label] } },
    },
  ];
  if (allowCreate) {
    refresherStatements.push({
      Sid: 'CreateSecretIfMissing',
      Effect: 'Allow',
      Action: [...CREATE_SECRET_ACTIONS],
      Resource: [secretArnPattern(secret.name, secretLocation)],
      Condition: { StringEquals: { 'secretsmanager:Name': secret.name } },
    });
  }
  const lockItem: PolicyStatement = {
    Sid: 'LeaseLockItem',
    Effect: 'Allow',
    Action: [...LOCK_ITEM_ACTIONS],
    Resource: [tableResource],
    // Item actions always carry the partition key, so ForAllValues cannot match vacuously here.
    Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [lockName] } },
  };
  refresherStatements.push(lockItem);
  const state = stateStatements(options.stateSecret, secret.name, secretLocation, allowCreate);
  refresherStatements.push(...state.refresher);
  const encrypt = kmsStatement('EncryptAndDecryptSecret', [...KMS_READ_ACTIONS, ...KMS_WRITE_ACTIONS], kmsKeyArn, secretResource);

  return {
    reader: document([readLabel, ...(decrypt === undefined ? [] : [decrypt])]),
    refresher: document([...refresherStatements, ...(encrypt === undefined ? [] : [encrypt])]),
    tableAdmin: document([{ Sid: 'InitLockTable', Effect: 'Allow', Action: [...TABLE_ADMIN_ACTIONS], Resource: [tableResource] }]),
    operator: document([
      {
        Sid: 'InspectAndRollBack',
        Effect: 'Allow',
        // Rollback reads its target by VersionId alone, so reads here cannot be tied to a label.
        Action: OPERATOR_SECRET_ACTIONS.filter((action) => action !== 'secretsmanager:UpdateSecretVersionStage'),
        // status --replica-regions reads each replica; moving the label stays on the primary.
        Resource: [secretResource, ...replicaResources],
      },
      {
        Sid: 'MoveManagedLabelBack',
        Effect: 'Allow',
        Action: ['secretsmanager:UpdateSecretVersionStage'],
        Resource: [secretResource],
        Condition: { 'ForAnyValue:StringEquals': { 'secretsmanager:VersionStage': [label] } },
      },
      lockItem,
      ...state.operator,
      ...(decrypt === undefined ? [] : [decrypt]),
    ]),
    warnings: [
      ...widenings('secret', secretLocation),
      ...widenings('table', tableLocation),
      ...(kmsKeyArn !== undefined && replicaResources.length > 0
        ? ['kmsKeyArn grants the primary key only: a replica encrypted with its own customer managed key needs kms:Decrypt on that key too.']
        : []),
    ],
  };
}

/**
 * The refresh state's secret (DESIGN.md §9): the holder reads AWSCURRENT, writes a version and moves
 * AWSCURRENT by compare-and-swap — the same calls `seed-state` makes, which also creates the secret.
 */
function stateStatements(
  value: string | undefined,
  tokenSecretName: string,
  location: ResourceLocation,
  allowCreate: boolean,
): { refresher: PolicyStatement[]; operator: PolicyStatement[] } {
  if (value === undefined) return { refresher: [], operator: [] };
  const state = parseSecret(value);
  if (state.name === tokenSecretName) {
    throw new ConfigurationError('buildPolicies: stateSecret must be a secret other than secret: readers may read the token secret.');
  }
  const resource = state.arn ?? secretArnPattern(state.name, location);
  const statements = (sid: string, create: boolean): PolicyStatement[] => [
    { Sid: `${sid}Read`, Effect: 'Allow', Action: [...READER_ACTIONS], Resource: [resource], Condition: CURRENT_STAGE },
    { Sid: `${sid}Write`, Effect: 'Allow', Action: ['secretsmanager:PutSecretValue'], Resource: [resource] },
    { Sid: `${sid}Promote`, Effect: 'Allow', Action: ['secretsmanager:UpdateSecretVersionStage'], Resource: [resource], Condition: CURRENT_STAGE },
    ...(create && state.arn === undefined
      ? [
          {
            Sid: `${sid}CreateIfMissing`,
            Effect: 'Allow' as const,
            Action: [...CREATE_SECRET_ACTIONS],
            Resource: [secretArnPattern(state.name, location)],
            Condition: { StringEquals: { 'secretsmanager:Name': state.name } },
          },
        ]
      : []),
  ];
  return { refresher: statements('RefreshState', allowCreate), operator: statements('SeedRefreshState', true) };
}

/** The state secret is only ever read and moved on AWSCURRENT. */
const CURRENT_STAGE = { 'ForAnyValue:StringEquals': { 'secretsmanager:VersionStage': ['AWSCURRENT'] } };

function replicaRegionsOf(value: unknown, primary: ResourceLocation): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length === 0) {
    throw new ConfigurationError('buildPolicies: replicaRegions must be a non-empty list of Regions such as ["eu-west-1"].');
  }
  if (primary.region === undefined) {
    throw new ConfigurationError(
      "buildPolicies: replicaRegions needs the primary's Region (pass region, or the secret's ARN): without it the patterns match every Region already.",
    );
  }
  return value.map((region: unknown) => {
    const checked = matching(region, REGION_PATTERN, 'replicaRegions', 'a region such as eu-west-1');
    if (checked === primary.region)
      throw new ConfigurationError(`buildPolicies: replicaRegions names the primary Region ${checked}; list only the replicas' Regions.`);
    return checked;
  });
}

function document(statements: PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * Secrets Manager passes the secret's ARN as KMS encryption context, so the grant is bound to this
 * secret even though the key may protect others.
 */
function kmsStatement(sid: string, actions: string[], keyArn: string | undefined, secretResource: string): PolicyStatement | undefined {
  if (keyArn === undefined) return undefined;
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: actions,
    Resource: [keyArn],
    Condition: { StringLike: { 'kms:EncryptionContext:SecretARN': secretResource } },
  };
}

function givenLocation(options: BuildPoliciesOptions): Partial<ResourceLocation> {
  const location: Partial<ResourceLocation> = {};
  if (options.partition !== undefined) {
    location.partition = matching(options.partition, PARTITION_PATTERN, 'partition', 'aws, aws-cn or aws-us-gov');
  }
  if (options.region !== undefined) location.region = matching(options.region, REGION_PATTERN, 'region', 'a region such as eu-west-1');
  if (options.accountId !== undefined) location.accountId = matching(options.accountId, ACCOUNT_PATTERN, 'accountId', '12 digits');
  return location;
}

/** An ARN's location wins; a given option must agree with it, so a typo cannot silently re-point a policy. */
function merge(what: string, fromArn: Partial<ResourceLocation>, given: Partial<ResourceLocation>): ResourceLocation {
  for (const key of ['partition', 'region', 'accountId'] as const) {
    const inArn = fromArn[key];
    const option = given[key];
    if (inArn !== undefined && option !== undefined && inArn !== option) {
      throw new ConfigurationError(`buildPolicies: ${key} is ${option}, but the ${what} ARN says ${inArn}; drop ${key} or fix the ARN.`);
    }
  }
  return {
    partition: fromArn.partition ?? given.partition ?? 'aws',
    region: fromArn.region ?? given.region,
    accountId: fromArn.accountId ?? given.accountId,
  };
}

function widenings(what: string, location: ResourceLocation): string[] {
  const warnings: string[] = [];
  if (location.region === undefined) {
    warnings.push(
      `The ${what} is given by name and no region was passed: its ARN pattern matches every region. Pass region (or an ARN) to narrow it.`,
    );
  }
  if (location.accountId === undefined) {
    warnings.push(
      `The ${what} is given by name and no accountId was passed: its ARN pattern matches every account. Pass accountId (or an ARN) to narrow it.`,
    );
  }
  return warnings;
}

function labelOf(value: unknown): string {
  if (value === undefined) return 'AWSCURRENT';
  if (typeof value === 'string' && /^[^\s*?]{1,256}$/.test(value)) return value;
  throw new ConfigurationError(
    `buildPolicies: label must be a Secrets Manager staging label (1-256 characters, no spaces, * or ?), got ${JSON.stringify(value)}.`,
  );
}

function lockNameOf(value: unknown): string {
  if (typeof value === 'string' && value !== '' && Buffer.byteLength(value) <= 2048) return value;
  throw new ConfigurationError(
    "buildPolicies: lockName must be the lock item's name as given to the refresher (1-2048 bytes); omit it for the default.",
  );
}

function kmsKeyOf(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && KMS_KEY_ARN.test(value)) return value;
  throw new ConfigurationError(
    `buildPolicies: kmsKeyArn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<key id>), not an alias; got ${JSON.stringify(value)}.`,
  );
}

function matching(value: unknown, pattern: RegExp, name: string, expected: string): string {
  if (typeof value === 'string' && pattern.test(value)) return value;
  throw new ConfigurationError(`buildPolicies: ${name} must be ${expected}; got ${JSON.stringify(value)}.`);
}
