import { App, Aws, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AccountPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { TokenRefresherResources } from '../../src/cdk/index.js';
import { buildPolicies } from '../../src/iam/index.js';
import type { PolicyStatement } from '../../src/iam/policy-document.js';
import { ConfigurationError } from '../../src/shared/errors.js';
import { asLists } from '../support/iam-statements.js';

const ENV = { account: '123456789012', region: 'eu-west-1' };

function synth(createSecret: boolean, stateSecretName?: string) {
  const stack = new Stack(new App(), 'Tokens', { env: ENV });
  const tokens = new TokenRefresherResources(stack, 'Tokens', {
    secretName: 'prod/api-token',
    tableName: 'token-locks',
    createSecret,
    ...(stateSecretName === undefined ? {} : { stateSecretName }),
  });
  const roles = {
    reader: new Role(stack, 'Reader', { assumedBy: new AccountPrincipal(ENV.account) }),
    refresher: new Role(stack, 'Refresher', { assumedBy: new AccountPrincipal(ENV.account) }),
    operator: new Role(stack, 'Operator', { assumedBy: new AccountPrincipal(ENV.account) }),
  };
  tokens.grantRead(roles.reader);
  tokens.grantRefresh(roles.refresher);
  tokens.grantOperate(roles.operator);
  return { stack, template: Template.fromStack(stack) };
}

function statementsOfRole(template: Template, roleLogicalIdPrefix: string): Record<string, unknown>[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const mine = Object.values(policies).filter((policy) =>
    (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref.startsWith(roleLogicalIdPrefix)),
  );
  const [policy, ...others] = mine;
  expect(others).toHaveLength(0);
  if (policy === undefined) throw new Error(`no IAM policy attached to role ${roleLogicalIdPrefix}`);
  return (policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]).map(asLists);
}

function expected(statements: PolicyStatement[]): Record<string, unknown>[] {
  return statements.map((statement) => asLists({ ...statement }));
}

describe('Class: TokenRefresherResources', () => {
  it('creates an on-demand lock table with partition key pk and TTL on lockTtl', () => {
    const { template } = synth(false);
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'token-locks',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'lockTtl', Enabled: true },
    });
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
  });

  it('grants exactly the statements token-refresher policy prints, with CreateSecret while the secret is not in the stack', () => {
    const { template } = synth(false);
    const policies = buildPolicies({ secret: 'prod/api-token', table: 'token-locks', region: ENV.region, accountId: ENV.account });
    expect(statementsOfRole(template, 'Reader')).toEqual(expected(policies.reader.Statement));
    expect(statementsOfRole(template, 'Refresher')).toEqual(expected(policies.refresher.Statement));
    expect(statementsOfRole(template, 'Operator')).toEqual(expected(policies.operator.Statement));
    expect(policies.refresher.Statement.map((statement) => statement.Sid)).toContain('CreateSecretIfMissing');
  });

  it('grants the state secret to refreshers and operators exactly as policy --state-secret-id does, and never to readers', () => {
    const { template } = synth(false, 'prod/api-token-state');
    const policies = buildPolicies({
      secret: 'prod/api-token',
      table: 'token-locks',
      region: ENV.region,
      accountId: ENV.account,
      stateSecret: 'prod/api-token-state',
    });
    expect(statementsOfRole(template, 'Reader')).toEqual(expected(policies.reader.Statement));
    expect(statementsOfRole(template, 'Refresher')).toEqual(expected(policies.refresher.Statement));
    expect(statementsOfRole(template, 'Operator')).toEqual(expected(policies.operator.Statement));
    expect(JSON.stringify(statementsOfRole(template, 'Reader'))).not.toContain('api-token-state');
    expect(JSON.stringify(statementsOfRole(template, 'Refresher'))).toContain('api-token-state');
  });

  it('creates the secret when asked and then grants no CreateSecret, as policy --no-create-secret would', () => {
    const { template } = synth(true);
    template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'prod/api-token' });
    const policies = buildPolicies({
      secret: 'prod/api-token',
      table: 'token-locks',
      region: ENV.region,
      accountId: ENV.account,
      allowCreateSecret: false,
    });
    expect(statementsOfRole(template, 'Refresher')).toEqual(expected(policies.refresher.Statement));
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.not(Match.arrayWith([Match.objectLike({ Sid: 'CreateSecretIfMissing' })])) },
    });
  });

  it('refuses a token as the table name, because the statements are built at synth time', () => {
    const stack = new Stack(new App(), 'Tokens', { env: ENV });
    expect(() => new TokenRefresherResources(stack, 'Tokens', { secretName: 'api-token', tableName: Aws.STACK_NAME })).toThrow(ConfigurationError);
  });
});
