import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { buildPolicies, type TokenRefresherPolicies } from '../iam/policies.js';
import type { PolicyDocument } from '../iam/policy-document.js';
import { ConfigurationError } from '../shared/errors.js';
import { createMonitoring, type TokenRefresherMonitoring, type TokenRefresherMonitoringProps } from './monitoring.js';

/**
 * Properties of {@link TokenRefresherResources}.
 *
 * @example
 * ```ts
 * const props: TokenRefresherResourcesProps = { secretName: 'prod/api-token', tableName: 'token-locks', createSecret: true };
 * ```
 */
export interface TokenRefresherResourcesProps {
  /** The token's secret name. A physical name, because the IAM statements are built from it before deployment. */
  secretName: string;
  /** The lock table's name (physical, for the same reason). */
  tableName: string;
  /** Create the secret in this stack. Default false: the refresher creates it on first refresh (and may, per its policy). */
  createSecret?: boolean;
  /** The label the refresher manages. Default `'AWSCURRENT'`. */
  label?: string;
  /** The lock item's name, if the refresher is given one. Default: the refresher's own default for the secret and label. */
  lockName?: string;
  /**
   * The secret keeping refresh state (rotating refresh tokens; the refreshers' `stateSecretId`), by
   * name: `grantRefresh` and `grantOperate` reach it, `grantRead` never does. Seed it with
   * `token-refresher seed-state`. Default: none.
   */
  stateSecretName?: string;
  /** Protect the lock table from deletion. Default false. */
  deletionProtection?: boolean;
  /** What happens to the table and secret when removed from the stack. Default `RemovalPolicy.RETAIN`. */
  removalPolicy?: RemovalPolicy;
  /** Add a CloudWatch dashboard and alarms (refresh failures, grant lost, version headroom) on the EMF metrics. Default: none. */
  monitoring?: TokenRefresherMonitoringProps;
}

/**
 * The lock table (on-demand, string partition key `pk`, TTL on `lockTtl`), optionally the secret, and
 * grants whose IAM statements come from {@link buildPolicies} — the same code as `token-refresher policy`,
 * so a deployed role and the printed policy cannot drift.
 *
 * @example
 * ```ts
 * const tokens = new TokenRefresherResources(stack, 'Tokens', { secretName: 'prod/api-token', tableName: 'token-locks' });
 * tokens.grantRead(apiFunction);
 * tokens.grantRefresh(workerTaskRole);
 * ```
 */
export class TokenRefresherResources extends Construct {
  /** The lease lock table. */
  readonly table: TableV2;
  /** The secret, when `createSecret` was set. */
  readonly secret: Secret | undefined;
  /** The policy documents the grants attach, exactly as `token-refresher policy` prints them for these inputs. */
  readonly policies: TokenRefresherPolicies;
  /** The dashboard and alarms, when `monitoring` was given. */
  readonly monitoring: TokenRefresherMonitoring | undefined;

  constructor(scope: Construct, id: string, props: TokenRefresherResourcesProps) {
    super(scope, id);
    if (typeof props !== 'object' || props === null) {
      throw new ConfigurationError('TokenRefresherResources: pass props with secretName and tableName.');
    }
    for (const [name, value] of [
      ['secretName', props.secretName],
      ['tableName', props.tableName],
    ] as const) {
      if (typeof value !== 'string' || Token.isUnresolved(value)) {
        throw new ConfigurationError(
          `TokenRefresherResources: ${name} must be a literal name, not a token: the IAM statements are built from it at synth time.`,
        );
      }
    }
    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const createSecret = props.createSecret ?? false;
    this.policies = buildPolicies({
      secret: props.secretName,
      table: props.tableName,
      ...(props.label === undefined ? {} : { label: props.label }),
      ...(props.lockName === undefined ? {} : { lockName: props.lockName }),
      ...(props.stateSecretName === undefined ? {} : { stateSecret: props.stateSecretName }),
      ...(Token.isUnresolved(stack.region) ? {} : { region: stack.region }),
      ...(Token.isUnresolved(stack.account) ? {} : { accountId: stack.account }),
      ...(Token.isUnresolved(stack.partition) ? {} : { partition: stack.partition }),
      allowCreateSecret: !createSecret,
    });
    this.table = new TableV2(this, 'LockTable', {
      tableName: props.tableName,
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      billing: Billing.onDemand(),
      timeToLiveAttribute: 'lockTtl',
      deletionProtection: props.deletionProtection ?? false,
      removalPolicy,
    });
    this.secret = createSecret ? new Secret(this, 'Secret', { secretName: props.secretName, removalPolicy }) : undefined;
    this.monitoring = props.monitoring === undefined ? undefined : createMonitoring(this, props.monitoring);
  }

  /** Lets `grantee` read the token under the managed label (what `TokenProvider` and `getToken` do). */
  grantRead(grantee: IGrantable): void {
    attach(grantee, this.policies.reader);
  }

  /** Lets `grantee` read and refresh the token: the secret writes and the one lock item. */
  grantRefresh(grantee: IGrantable): void {
    attach(grantee, this.policies.refresher);
  }

  /** Lets `grantee` run `status` and `rollback`. */
  grantOperate(grantee: IGrantable): void {
    attach(grantee, this.policies.operator);
  }
}

function attach(grantee: IGrantable, document: PolicyDocument): void {
  for (const statement of document.Statement) {
    grantee.grantPrincipal.addToPrincipalPolicy(PolicyStatement.fromJson(statement));
  }
}
