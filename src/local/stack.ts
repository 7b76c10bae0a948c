import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startDynalite, type RunningDynalite } from './dynamodb/dynalite.js';
import { startSecretsManagerEmulator, type RunningSecretsManagerEmulator, type SecretsManagerEmulatorOptions } from './secrets-manager/index.js';

/** Options for {@link startLocalStack}. */
export interface LocalStackOptions {
  /** Interface both servers bind. Default `127.0.0.1`. */
  host?: string;
  /** dynalite's port; `0` (the default) takes any free port. */
  dynamodbPort?: number;
  /** The Secrets Manager emulator's port; `0` (the default) takes any free port. */
  secretsManagerPort?: number;
  /**
   * A folder for durable state (`DIR/dynamodb` for dynalite's LevelDB, `DIR/secrets-manager` for the
   * emulator). In memory when omitted.
   */
  dataDir?: string;
  /** Further emulator settings (quotas, throttle), passed through. */
  secretsManager?: Omit<SecretsManagerEmulatorOptions, 'host' | 'port' | 'dataDir'>;
}

/** The running local stack. */
export interface LocalStack {
  /** For `AWS_ENDPOINT_URL_DYNAMODB` or a DynamoDB client's `endpoint`. */
  dynamodbEndpoint: string;
  /** For `AWS_ENDPOINT_URL_SECRETS_MANAGER` or a Secrets Manager client's `endpoint`. */
  secretsManagerEndpoint: string;
  /** The emulator, for its model and test controls. */
  secretsManager: RunningSecretsManagerEmulator;
  /** The environment variables that point the AWS SDK (and CLI) at this stack. */
  environment(): Record<string, string>;
  /** Stops both servers. Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Starts dynalite and the Secrets Manager emulator in this process, on loopback, so that everything
 * runs without an AWS account. The AWS SDK reaches them through its standard endpoint variables, so
 * no code path differs between this stack and AWS.
 *
 * @example
 * ```ts
 * const stack = await startLocalStack();
 * Object.assign(process.env, stack.environment());
 * // … new SecretsManagerClient({}) and new DynamoDBClient({}) now talk to the stack …
 * await stack.close();
 * ```
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const host = options.host ?? '127.0.0.1';
  const dataDir = options.dataDir;
  if (dataDir !== undefined) {
    await mkdir(join(dataDir, 'dynamodb'), { recursive: true });
    await mkdir(join(dataDir, 'secrets-manager'), { recursive: true });
  }
  const dynamodb: RunningDynalite = await startDynalite({
    host,
    port: options.dynamodbPort ?? 0,
    ...(dataDir === undefined ? {} : { path: join(dataDir, 'dynamodb') }),
  });
  let secretsManager: RunningSecretsManagerEmulator;
  try {
    secretsManager = await startSecretsManagerEmulator({
      ...options.secretsManager,
      host,
      port: options.secretsManagerPort ?? 0,
      ...(dataDir === undefined ? {} : { dataDir: join(dataDir, 'secrets-manager') }),
    });
  } catch (error) {
    await dynamodb.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    dynamodbEndpoint: dynamodb.endpoint,
    secretsManagerEndpoint: secretsManager.endpoint,
    secretsManager,
    environment: () => ({
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.endpoint,
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    }),
    close() {
      closing ??= Promise.all([dynamodb.close(), secretsManager.close()]).then(() => undefined);
      return closing;
    },
  };
}
