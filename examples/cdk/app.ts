/** `npx cdk synth` / `npx cdk deploy` entry point; set the environment variables below for your account. */
import { App } from 'aws-cdk-lib';
import { TokenRefresherExampleStack } from './stack.js';

function setting(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') throw new Error(`Set the environment variable ${name} (see README.md, "Operate").`);
  return value;
}

const app = new App();
new TokenRefresherExampleStack(app, 'TokenRefresherExample', {
  env: { account: setting('CDK_DEFAULT_ACCOUNT'), region: setting('CDK_DEFAULT_REGION') },
  secretName: setting('TOKEN_SECRET_ID', 'example/api-token'),
  tableName: setting('LOCK_TABLE', 'token-locks'),
  clientSecretName: setting('CLIENT_SECRET_ID', 'example/oauth-client-secret'),
  tokenUrl: setting('TOKEN_URL'),
  clientId: setting('CLIENT_ID'),
  apiUrl: setting('API_URL'),
  workerImage: setting('WORKER_IMAGE'),
});
app.synth();
