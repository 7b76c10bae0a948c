import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { resolveSsrfToken } from '../../agent-api/index.js';
import { LambdaTokenProvider } from '../../lambda/index.js';
import { runLambdaExtension } from '../../lambda-extension/index.js';
import type { RefreshFunction } from '../../refresher/index.js';
import { ConfigurationError } from '../../shared/errors.js';
import { createJsonLogger, type LogLevel } from '../../worker/index.js';
import { parsePort } from '../options.js';

/** The name Lambda knows the extension by: its executable's file name in `/opt/extensions`. */
export const EXTENSION_NAME = 'token-refresher';
/** The port variable of the Parameters and Secrets Lambda Extension, which clients written for it read too. */
const AWS_EXTENSION_PORT_VARIABLE = 'PARAMETERS_SECRETS_EXTENSION_HTTP_PORT';

interface ExtensionCommandOptions {
  secretId: string;
  table: string;
  label: string;
  stateSecretId?: string;
  leaseMs?: number;
  refreshTimeoutMs?: number;
  servePort?: number;
  logLevel: LogLevel;
}

/**
 * `token-refresher worker --lambda-extension`: the worker's options, served as an external Lambda
 * extension (the layer's `extensions/token-refresher` launcher runs it), then exit 0 on SHUTDOWN —
 * or 1 when releasing the lease outlasted SHUTDOWN's deadline.
 */
export async function runAsLambdaExtension(options: ExtensionCommandOptions, refresh: () => Promise<RefreshFunction>): Promise<void> {
  const runtimeApi = process.env.AWS_LAMBDA_RUNTIME_API;
  if (runtimeApi === undefined || runtimeApi === '') {
    throw new ConfigurationError('--lambda-extension runs inside a Lambda execution environment: AWS_LAMBDA_RUNTIME_API is not set.');
  }
  const logger = createJsonLogger({ level: options.logLevel, fields: { service: 'token-refresher-extension', secretId: options.secretId } });
  const exit = await runLambdaExtension({
    name: EXTENSION_NAME,
    runtimeApi,
    port: options.servePort ?? awsExtensionPort(),
    logger,
    setup: async () => ({
      secretId: options.secretId,
      label: options.label,
      ssrfToken: resolveSsrfToken(process.env),
      secretsManager: new SecretsManagerClient({}),
      provider: new LambdaTokenProvider({
        secretId: options.secretId,
        lockTable: options.table,
        label: options.label,
        refresh: await refresh(),
        logger,
        ...(options.stateSecretId === undefined ? {} : { stateSecretId: options.stateSecretId }),
        ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
        ...(options.refreshTimeoutMs === undefined ? {} : { refreshTimeoutMs: options.refreshTimeoutMs }),
      }),
    }),
  });
  process.exit(exit.closed === 'closed' ? 0 : 1);
}

/** A function configured for the AWS extension keeps its port: both sides read the same variable. */
function awsExtensionPort(): number | undefined {
  const value = process.env[AWS_EXTENSION_PORT_VARIABLE];
  return value === undefined || value === '' ? undefined : parsePort(value);
}
