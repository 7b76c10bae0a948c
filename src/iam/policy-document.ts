/**
 * IAM condition block: operator → condition key → value(s).
 *
 * @example
 * ```ts
 * const condition: PolicyCondition = { 'ForAnyValue:StringEquals': { 'secretsmanager:VersionStage': ['AWSCURRENT'] } };
 * ```
 */
export type PolicyCondition = Record<string, Record<string, string | string[]>>;

/**
 * One statement of an identity-based IAM policy.
 *
 * @example
 * ```ts
 * const statement: PolicyStatement = { Sid: 'Read', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [secretArn] };
 * ```
 */
export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: PolicyCondition;
}

/**
 * An identity-based IAM policy document, ready for `JSON.stringify` and `aws iam put-role-policy`.
 *
 * @example
 * ```ts
 * const document: PolicyDocument = { Version: '2012-10-17', Statement: [] };
 * ```
 */
export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/**
 * Every action a policy document allows, sorted and without duplicates — for comparing a document
 * with the actions a run actually sent.
 *
 * @example
 * ```ts
 * actionsOf(buildPolicies({ ... }).reader); // ['secretsmanager:GetSecretValue']
 * ```
 */
export function actionsOf(document: PolicyDocument): string[] {
  return [...new Set(document.Statement.flatMap((statement) => statement.Action))].sort();
}
