import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { TokenRefresherExampleStack } from '../../examples/cdk/stack.js';
import { buildPolicies } from '../../src/iam/index.js';

const outdir = mkdtempSync(join(tmpdir(), 'cdk-example-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('Example: examples/cdk', () => {
  it('synthesizes offline: no context lookups, the table, the Lambda and the Fargate worker, each granted the refresher policy', {
    timeout: 120_000,
  }, () => {
    const app = new App({ outdir });
    const stack = new TokenRefresherExampleStack(app, 'TokenRefresherExample', {
      env: { account: '123456789012', region: 'eu-west-1' },
      secretName: 'example/api-token',
      tableName: 'token-locks',
      clientSecretName: 'example/oauth-client-secret',
      tokenUrl: 'https://idp.example.com/oauth2/token',
      clientId: 'example-client',
      apiUrl: 'https://api.example.com/',
      workerImage: 'public.ecr.aws/example/token-refresher:latest',
    });
    const assembly = app.synth();
    expect(assembly.manifest.missing ?? []).toEqual([]);

    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::ECS::Service', 1);
    const refresher = buildPolicies({ secret: 'example/api-token', table: 'token-locks', region: 'eu-west-1', accountId: '123456789012' });
    const sids = refresher.refresher.Statement.map((statement) => statement.Sid);
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const withRefresher = policies.filter((policy) => {
      const present = (policy.Properties.PolicyDocument.Statement as { Sid?: string }[]).map((statement) => statement.Sid);
      return sids.every((sid) => present.includes(sid));
    });
    expect(withRefresher).toHaveLength(2);
  });
});
