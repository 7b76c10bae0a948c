/**
 * An IAM statement in list form. CloudFormation writes a one-element list as a scalar and IAM reads
 * both the same, so a synthesized template and a `token-refresher policy` document compare equal
 * only after both are put in this form.
 *
 * @example
 * ```ts
 * expect(templateStatements.map(asLists)).toEqual(policies.refresher.Statement.map(asLists));
 * ```
 */
export function asLists(statement: object): Record<string, unknown> {
  const record = statement as Record<string, unknown>;
  const list = (value: unknown) => (Array.isArray(value) ? value : [value]);
  const condition = record.Condition as Record<string, Record<string, unknown>> | undefined;
  return {
    ...record,
    Action: list(record.Action),
    Resource: list(record.Resource),
    ...(condition === undefined
      ? {}
      : {
          Condition: Object.fromEntries(
            Object.entries(condition).map(([operator, keys]) => [
              operator,
              Object.fromEntries(Object.entries(keys).map(([key, value]) => [key, list(value)])),
            ]),
          ),
        }),
  };
}
