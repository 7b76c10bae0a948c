import { ConfigurationError } from '../shared/errors.js';

/** Where a resource lives; `undefined` parts are unknown and become `*` in an ARN pattern. */
export interface ResourceLocation {
  partition: string;
  region: string | undefined;
  accountId: string | undefined;
}

/** A secret as a policy needs it: its name, and its exact ARN when one was given. */
export interface SecretRef {
  name: string;
  /** The full ARN (with its 6-character suffix), or `undefined` when only the name is known. */
  arn: string | undefined;
  location: Partial<ResourceLocation>;
}

/** A DynamoDB table as a policy needs it. */
export interface TableRef {
  name: string;
  location: Partial<ResourceLocation>;
}

const PARTITION = '(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[a-z]|aws-eusc)';
const REGION = '([a-z]{2}(?:-[a-z]+)+-\\d+)';
const ACCOUNT = '(\\d{12})';
const SECRET_ARN = new RegExp(`^arn:${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:(.+)-([A-Za-z0-9]{6})$`);
const TABLE_ARN = new RegExp(`^arn:${PARTITION}:dynamodb:${REGION}:${ACCOUNT}:table/(.+)$`);
const SECRET_NAME = /^[A-Za-z0-9/_+=.@!-]{1,512}$/;
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

export const PARTITION_PATTERN = new RegExp(`^${PARTITION}$`);
export const REGION_PATTERN = new RegExp(`^${REGION}$`);
export const ACCOUNT_PATTERN = new RegExp(`^${ACCOUNT}$`);

/**
 * Reads `secret` as a full Secrets Manager ARN or as a secret name. A partial ARN (without the
 * `-XXXXXX` suffix) is refused: it cannot be told apart from a full one reliably.
 */
export function parseSecret(secret: unknown): SecretRef {
  if (typeof secret !== 'string' || secret === '') {
    throw new ConfigurationError("secret must be the secret's name or its full ARN, a non-empty string.");
  }
  if (secret.startsWith('arn:')) {
    const match = SECRET_ARN.exec(secret);
    if (match === null) {
      throw new ConfigurationError(
        `secret ${JSON.stringify(secret)} is not a full Secrets Manager ARN ` +
          '(arn:<partition>:secretsmanager:<region>:<12-digit account>:secret:<name>-<6 characters>, as DescribeSecret shows it); ' +
          'pass the full ARN or just the secret name.',
      );
    }
    const [, partition, region, accountId, name] = match as unknown as [string, string, string, string, string];
    assertSecretName(name);
    return { name, arn: secret, location: { partition, region, accountId } };
  }
  assertSecretName(secret);
  return { name: secret, arn: undefined, location: {} };
}

/** Reads `table` as a DynamoDB table ARN or as a table name. */
export function parseTable(table: unknown): TableRef {
  if (typeof table !== 'string' || table === '') {
    throw new ConfigurationError("table must be the lock table's name or its ARN, a non-empty string.");
  }
  if (table.startsWith('arn:')) {
    const match = TABLE_ARN.exec(table);
    if (match === null) {
      throw new ConfigurationError(
        `table ${JSON.stringify(table)} is not a DynamoDB table ARN (arn:<partition>:dynamodb:<region>:<12-digit account>:table/<name>).`,
      );
    }
    const [, partition, region, accountId, name] = match as unknown as [string, string, string, string, string];
    assertTableName(name);
    return { name, location: { partition, region, accountId } };
  }
  assertTableName(table);
  return { name: table, location: {} };
}

/**
 * The ARN pattern of a secret known by name: `-??????` matches exactly the six characters Secrets
 * Manager appends, so a secret whose name merely starts the same way does not match. It also covers
 * a secret that does not exist yet: AWS authorizes such requests (and CreateSecret) against the name
 * with a six-character suffix, as its AccessDenied messages show — so the refresher still gets
 * ResourceNotFoundException, and creates the secret.
 */
export function secretArnPattern(name: string, location: ResourceLocation): string {
  return `arn:${location.partition}:secretsmanager:${location.region ?? '*'}:${location.accountId ?? '*'}:secret:${name}-??????`;
}

export function tableArn(name: string, location: ResourceLocation): string {
  return `arn:${location.partition}:dynamodb:${location.region ?? '*'}:${location.accountId ?? '*'}:table/${name}`;
}

function assertSecretName(name: string): void {
  if (!SECRET_NAME.test(name)) {
    throw new ConfigurationError(
      `secret name ${JSON.stringify(name)} is not a valid Secrets Manager name: use 1-512 letters, digits and /_+=.@!- only.`,
    );
  }
}

function assertTableName(name: string): void {
  if (!TABLE_NAME.test(name)) {
    throw new ConfigurationError(
      `table name ${JSON.stringify(name)} is not a valid DynamoDB table name: use 3-255 letters, digits, "_", "." or "-".`,
    );
  }
}
