/**
 * The example deployment: the lock table, an API Lambda that reads (and, when due, refreshes) the
 * shared token, and the standalone worker as a Fargate service that keeps it fresh. Synthesizes
 * without Docker (NodejsFunction bundles with the local esbuild) and without AWS lookups (the
 * availability zones are named, not looked up).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Stack, type StackProps } from 'aws-cdk-lib';
import { SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Cluster, ContainerImage, FargateService, FargateTaskDefinition, LogDriver } from 'aws-cdk-lib/aws-ecs';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
// In your project: from 'token-refresher/cdk'.
import { TokenRefresherResources } from '../../src/cdk/index.js';

export interface TokenRefresherExampleProps extends StackProps {
  env: { account: string; region: string };
  secretName: string;
  tableName: string;
  /** The client secret's name in Secrets Manager, read by the refresher. */
  clientSecretName: string;
  tokenUrl: string;
  clientId: string;
  apiUrl: string;
  /** An image with the token-refresher CLI as its entry point. */
  workerImage: string;
}

export class TokenRefresherExampleStack extends Stack {
  readonly tokens: TokenRefresherResources;

  /** Named rather than looked up, so synth needs no AWS credentials (the default asks the account). */
  override get availabilityZones(): string[] {
    return [`${this.region}a`, `${this.region}b`];
  }

  constructor(scope: Construct, id: string, props: TokenRefresherExampleProps) {
    super(scope, id, props);
    this.tokens = new TokenRefresherResources(this, 'Tokens', { secretName: props.secretName, tableName: props.tableName });
    const oauth = { TOKEN_URL: props.tokenUrl, CLIENT_ID: props.clientId, CLIENT_SECRET_ID: props.clientSecretName };

    const api = new NodejsFunction(this, 'Api', {
      entry: join(fileURLToPath(new URL('.', import.meta.url)), '..', 'lambda', 'handler.ts'),
      runtime: Runtime.NODEJS_22_X,
      environment: { TOKEN_SECRET_ID: props.secretName, LOCK_TABLE: props.tableName, API_URL: props.apiUrl, ...oauth },
      bundling: { format: OutputFormat.ESM, forceDockerBundling: false },
    });
    this.tokens.grantRefresh(api);
    const clientSecret = Secret.fromSecretNameV2(this, 'ClientSecret', props.clientSecretName);
    clientSecret.grantRead(api);

    const vpc = new Vpc(this, 'Vpc', {
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: SubnetType.PUBLIC }],
    });
    const task = new FargateTaskDefinition(this, 'WorkerTask', { cpu: 256, memoryLimitMiB: 512 });
    task.addContainer('worker', {
      image: ContainerImage.fromRegistry(props.workerImage),
      command: ['worker', '--secret-id', props.secretName, '--table', props.tableName],
      environment: {
        TOKEN_REFRESHER_TOKEN_URL: props.tokenUrl,
        TOKEN_REFRESHER_CLIENT_ID: props.clientId,
        TOKEN_REFRESHER_CLIENT_SECRET_ID: props.clientSecretName,
      },
      logging: LogDriver.awsLogs({ streamPrefix: 'token-refresher' }),
    });
    this.tokens.grantRefresh(task.taskRole);
    clientSecret.grantRead(task.taskRole);
    new FargateService(this, 'Worker', {
      cluster: new Cluster(this, 'Cluster', { vpc }),
      taskDefinition: task,
      desiredCount: 1,
      assignPublicIp: true,
      vpcSubnets: { subnetType: SubnetType.PUBLIC },
    });
  }
}
