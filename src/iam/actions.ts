/**
 * The IAM actions each role needs, and nothing else. Tests compare them with the calls the library
 * actually sends in a full run, so an action added to the code without a grant (or the reverse) fails.
 *
 * @example
 * ```ts
 * const granted = new Set([...READER_ACTIONS, ...REFRESHER_SECRET_ACTIONS, ...LOCK_ITEM_ACTIONS]);
 * for (const sent of recordedCalls) if (!granted.has(sent)) throw new Error(`${sent} is not granted`);
 * ```
 */

/** A process that only reads the token: `GetSecretValue` on the managed label. */
export const READER_ACTIONS = ['secretsmanager:GetSecretValue'] as const;

/** Secrets Manager actions of a process that may refresh the token (beyond the reader's). */
export const REFRESHER_SECRET_ACTIONS = [
  // Step 8: the new token as an AWSPENDING version.
  'secretsmanager:PutSecretValue',
  // Step 9: move the managed label by compare-and-swap.
  'secretsmanager:UpdateSecretVersionStage',
  // The version census that guards the ~100-version quota.
  'secretsmanager:ListSecretVersionIds',
] as const;

/** Granted only when the secret is named (not given by ARN): the refresher creates it if missing. */
export const CREATE_SECRET_ACTIONS = ['secretsmanager:CreateSecret'] as const;

/** The lease lock's item actions: a consistent `GetItem` to poll, one `UpdateItem` per acquire/renew/release. */
export const LOCK_ITEM_ACTIONS = ['dynamodb:GetItem', 'dynamodb:UpdateItem'] as const;

/** What `ensureLockTable` (the `init-table` command) calls. */
export const TABLE_ADMIN_ACTIONS = [
  'dynamodb:CreateTable',
  'dynamodb:DescribeTable',
  'dynamodb:DescribeTimeToLive',
  'dynamodb:UpdateTimeToLive',
] as const;

/**
 * The `status` and `rollback` operations (beyond the lock item actions): they read versions by id
 * and AWSPREVIOUS, count versions and move the managed label back — but never write a value.
 */
export const OPERATOR_SECRET_ACTIONS = [
  'secretsmanager:GetSecretValue',
  'secretsmanager:ListSecretVersionIds',
  'secretsmanager:UpdateSecretVersionStage',
] as const;

/** Reading a secret encrypted with a customer managed KMS key. */
export const KMS_READ_ACTIONS = ['kms:Decrypt'] as const;

/** Writing a secret encrypted with a customer managed KMS key (Secrets Manager asks for a data key). */
export const KMS_WRITE_ACTIONS = ['kms:GenerateDataKey'] as const;
