import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, buildPolicies, type PolicyDocument } from '../../src/iam/index.js';
import { ensureLockTable } from '../../src/lock/index.js';
import { startLocalStack, type LocalStack } from '../../src/local/stack.js';
import { TokenRefresher, rollback, status } from '../../src/refresher/index.js';
import { LOCAL_AWS } from '../support/dynamodb.js';
import { allows, type IamRequest } from './policy-evaluator.js';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';

interface MiddlewareStackLike {
  add(
    middleware: (
      next: (args: { input: unknown }) => Promise<unknown>,
      context: { commandName?: string },
    ) => (args: { input: unknown }) => Promise<unknown>,
    options: object,
  ): void;
}

/**
 * Records what IAM would evaluate for each request a client sends: the action, the resource, and
 * the request-borne condition keys our policies use. Resolved against the secret's real ARN later,
 * because CreateSecret is sent before any ARN exists.
 */
class RequestRecorder {
  readonly requests: Array<{ action: string; secretRequest: boolean; tableName?: string; context: Record<string, string[]> }> = [];

  attach<Client extends SecretsManagerClient | DynamoDBClient>(client: Client, service: 'secretsmanager' | 'dynamodb'): Client {
    (client.middlewareStack as unknown as MiddlewareStackLike).add(
      (next, context) => async (args) => {
        const operation = String(context.commandName).replace(/Command$/, '');
        const input = args.input as Record<string, unknown>;
        const keys: Record<string, string[]> = {};
        if (service === 'secretsmanager') {
          if (typeof input.VersionStage === 'string') keys['secretsmanager:VersionStage'] = [input.VersionStage];
          if (typeof input.Name === 'string') keys['secretsmanager:Name'] = [input.Name];
          this.requests.push({ action: `secretsmanager:${operation}`, secretRequest: true, context: keys });
        } else {
          const key = input.Key as { pk?: { S?: string } } | undefined;
          if (key?.pk?.S !== undefined) keys['dynamodb:LeadingKeys'] = [key.pk.S];
          this.requests.push({ action: `dynamodb:${operation}`, secretRequest: false, tableName: String(input.TableName), context: keys });
        }
        return next(args);
      },
      { step: 'initialize', name: 'iamRequestRecorder' },
    );
    return client;
  }

  /** The requests as IAM sees them, with the secret's and the table's real ARNs. */
  iamRequests(secretArn: string): IamRequest[] {
    return this.requests.map((request) => ({
      action: request.action,
      resource: request.secretRequest ? secretArn : `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${request.tableName}`,
      context: request.context,
    }));
  }
}

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ secretsManager: { writeRatePerSecond: 0 } });
});
afterAll(() => stack.close());

function clients(recorder: RequestRecorder) {
  return {
    secretsManager: recorder.attach(new SecretsManagerClient({ ...LOCAL_AWS, endpoint: stack.secretsManagerEndpoint }), 'secretsmanager'),
    dynamodb: recorder.attach(new DynamoDBClient({ ...LOCAL_AWS, endpoint: stack.dynamodbEndpoint }), 'dynamodb'),
  };
}

function denied(policy: PolicyDocument, requests: IamRequest[]): IamRequest[] {
  return requests.filter((request) => !allows(policy, request));
}

let secretCounter = 0;

async function fleetRun(label: string) {
  secretCounter += 1;
  const secretId = `iam/token-${secretCounter}`;
  const lockTable = `iam-locks-${secretCounter}`;
  await ensureLockTable({ client: new DynamoDBClient({ ...LOCAL_AWS, endpoint: stack.dynamodbEndpoint }), tableName: lockTable });
  const refresherCalls = new RequestRecorder();
  let minted = 0;
  const make = () =>
    new TokenRefresher({
      secretId,
      lockTable,
      label,
      ...clients(refresherCalls),
      refresh: () => ({ token: `iam-token-${++minted}`, expiresAt: Date.now() + 3_600_000 }),
    });
  const first = make();
  const second = make();
  const one = await first.getToken();
  await second.getToken();
  await first.refreshNow();
  second.invalidate(one.token);
  await second.getToken();
  await Promise.all([first.close(), second.close()]);

  const operatorCalls = new RequestRecorder();
  await status({ secretId, lockTable, label, ...clients(operatorCalls) });
  await rollback({ secretId, lockTable, label, ...clients(operatorCalls) });

  const secretArn = stack.secretsManager.model.describeSecret({ SecretId: secretId }).ARN as string;
  return { secretId, lockTable, secretArn, refresher: refresherCalls, operator: operatorCalls };
}

describe('Function: buildPolicies (against what the library really sends)', () => {
  it("allows every request a fleet of refreshers sends — creating the secret, refreshing, contending, invalidating — and the operator's status and rollback", async () => {
    const run = await fleetRun('AWSCURRENT');
    const policies = buildPolicies({ secret: run.secretId, table: run.lockTable, region: REGION, accountId: ACCOUNT });
    const refresherRequests = run.refresher.iamRequests(run.secretArn);
    const operatorRequests = run.operator.iamRequests(run.secretArn);

    const sent = new Set(refresherRequests.map((request) => request.action));
    for (const action of [
      'secretsmanager:CreateSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
      'dynamodb:UpdateItem',
    ]) {
      expect(sent).toContain(action);
    }
    expect([...sent].filter((action) => !actionsOf(policies.refresher).includes(action))).toEqual([]);
    expect(denied(policies.refresher, refresherRequests)).toEqual([]);
    expect(denied(policies.operator, operatorRequests)).toEqual([]);
    // Readers of the token need nothing beyond GetSecretValue on the managed label.
    const reads = refresherRequests.filter((request) => request.action === 'secretsmanager:GetSecretValue');
    expect(reads.length).toBeGreaterThan(0);
    expect(denied(policies.reader, reads)).toEqual([]);
  });

  it('grants nothing beyond the managed label: the same run on another label is denied by the AWSCURRENT policy', async () => {
    const run = await fleetRun('READ_TOKEN');
    const policies = buildPolicies({ secret: run.secretId, table: run.lockTable, region: REGION, accountId: ACCOUNT });
    const refused = denied(policies.refresher, run.refresher.iamRequests(run.secretArn)).map((request) => request.action);
    expect(refused).toContain('secretsmanager:GetSecretValue');
    expect(refused).toContain('secretsmanager:UpdateSecretVersionStage');
    expect(refused).toContain('dynamodb:UpdateItem');
  });
});
