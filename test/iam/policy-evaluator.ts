import type { PolicyDocument, PolicyStatement } from '../../src/iam/index.js';

/** A request as IAM sees it: the action, the resource ARN, and the request's condition keys. */
export interface IamRequest {
  action: string;
  resource: string;
  /** Condition keys present in the request; a key that is absent is simply not listed. */
  context?: Record<string, string[]>;
}

/**
 * Whether an Allow-only identity policy allows `request`, following IAM's documented rules for the
 * features our policies use: exact actions, `*`/`?` resource globs, and the operators StringEquals,
 * StringLike and their ForAnyValue / ForAllValues forms — including the traps: a single-valued or
 * ForAnyValue operator on an absent key is false, a ForAllValues operator on an absent key is true.
 */
export function allows(policy: PolicyDocument, request: IamRequest): boolean {
  return policy.Statement.some((statement) => matches(statement, request));
}

function matches(statement: PolicyStatement, request: IamRequest): boolean {
  const actionMatches = statement.Action.some((action) => globMatches(action.toLowerCase(), request.action.toLowerCase()));
  const resourceMatches = statement.Resource.some((resource) => globMatches(resource, request.resource));
  return actionMatches && resourceMatches && conditionsHold(statement, request.context ?? {});
}

function conditionsHold(statement: PolicyStatement, context: Record<string, string[]>): boolean {
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => operatorHolds(operator, context[key], [expected].flat())),
  );
}

function operatorHolds(operator: string, values: string[] | undefined, expected: string[]): boolean {
  const [qualifier, base] = operator.includes(':') ? operator.split(':') : [undefined, operator];
  const test = (value: string): boolean => expected.some((pattern) => (base === 'StringLike' ? globMatches(pattern, value) : pattern === value));
  if (base !== 'StringEquals' && base !== 'StringLike') throw new Error(`operator ${operator} is not modelled`);
  const present = values !== undefined && values.length > 0;
  if (qualifier === 'ForAllValues') return !present || values.every(test);
  if (qualifier === 'ForAnyValue') return present && values.some(test);
  if (qualifier !== undefined) throw new Error(`qualifier ${qualifier} is not modelled`);
  return present && values.length === 1 && test(values[0] as string);
}

function globMatches(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(value);
}
