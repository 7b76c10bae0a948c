import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Option, type Command } from 'commander';
import { AgentApi, DEFAULT_AGENT_PORT, resolveSsrfToken, startAgentApiServer, type AgentApiServer } from '../../agent-api/index.js';
import type { RefresherLogger } from '../../refresher/events.js';
import type { RefreshFunction } from '../../refresher/options.js';
import { TokenRefresher } from '../../refresher/token-refresher.js';
import { ConfigurationError, TokenRefresherError } from '../../shared/errors.js';
import {
  oauth2ClientCredentials,
  oauth2RefreshToken,
  type ClientAuthMethod,
  type ClientSecretReference,
  type ClientSecretValue,
} from '../../sources/index.js';
import {
  closeWithin,
  createJsonLogger,
  LOG_LEVELS,
  loadRefreshModule,
  RefreshWorker,
  startHealthServer,
  type HealthServer,
  type LogLevel,
} from '../../worker/index.js';
import { parseMilliseconds, parsePort } from '../options.js';
import { runAsLambdaExtension } from './lambda-extension.js';

interface WorkerCommandOptions {
  secretId: string;
  table: string;
  primaryRegion?: string;
  stateSecretId?: string;
  label: string;
  grant?: OAuthGrant;
  refreshTokenKey?: string;
  tokenUrl?: string;
  clientId?: string;
  clientSecret?: string;
  clientSecretEnv: string;
  clientSecretId?: string;
  scope?: string;
  audience?: string;
  authMethod?: ClientAuthMethod;
  refreshModule?: string;
  leaseMs?: number;
  refreshTimeoutMs?: number;
  once?: boolean;
  force?: boolean;
  healthPort?: number;
  healthHost: string;
  serve?: boolean;
  servePort?: number;
  lambdaExtension?: boolean;
  shutdownTimeout: number;
  logLevel: LogLevel;
}

const OAUTH_GRANTS = ['client-credentials', 'refresh-token'] as const;
type OAuthGrant = (typeof OAUTH_GRANTS)[number];

const ENV = 'TOKEN_REFRESHER_';
const DEFAULT_CLIENT_SECRET_ENV = `${ENV}CLIENT_SECRET`;

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'Keep the token fresh ahead of expiry through the same lease as every other refresher, so any number of worker replicas and ' +
        'Lambdas can run at once (active/standby). JSON log lines on stdout; never a token. Options marked "env:" can also come from ' +
        `that environment variable; the OAuth client secret only from the environment (${DEFAULT_CLIENT_SECRET_ENV}) or Secrets Manager.`,
    )
    .addOption(new Option('--secret-id <id>', 'the secret that holds the token: name or ARN').env(`${ENV}SECRET_ID`).makeOptionMandatory())
    .addOption(new Option('--table <name>', 'the lease table').env(`${ENV}TABLE`).makeOptionMandatory())
    .addOption(new Option('--label <label>', 'the staging label that holds the token').env(`${ENV}LABEL`).default('AWSCURRENT'))
    .addOption(
      new Option('--primary-region <region>', "the secret's primary Region when this one reads a replica (the lease table defaults to it)").env(
        `${ENV}PRIMARY_REGION`,
      ),
    )
    .addOption(
      new Option('--state-secret-id <id>', 'the secret keeping refresh state (rotating refresh tokens), which readers cannot read').env(
        `${ENV}STATE_SECRET_ID`,
      ),
    )
    .addOption(new Option('--token-url <url>', 'OAuth 2.0 token endpoint').env(`${ENV}TOKEN_URL`))
    .addOption(
      new Option(
        '--grant <grant>',
        'the OAuth grant: client-credentials (default), or refresh-token for a refresh token kept in --state-secret-id (seed it with seed-state)',
      )
        .env(`${ENV}GRANT`)
        .choices(OAUTH_GRANTS),
    )
    .addOption(
      new Option(
        '--refresh-token-key <key>',
        'with --grant refresh-token: the field of the refresh state that holds the refresh token (default refreshToken)',
      ).env(`${ENV}REFRESH_TOKEN_KEY`),
    )
    .addOption(new Option('--client-id <id>', 'OAuth client id').env(`${ENV}CLIENT_ID`))
    .addOption(
      new Option('--client-secret-env <name>', 'the environment variable that holds the OAuth client secret').default(DEFAULT_CLIENT_SECRET_ENV),
    )
    .addOption(new Option('--client-secret <secret>').hideHelp())
    .addOption(
      new Option('--client-secret-id <id>', 'read the OAuth client secret from this Secrets Manager secret instead').env(`${ENV}CLIENT_SECRET_ID`),
    )
    .addOption(new Option('--scope <scopes>', 'space-separated scopes to request').env(`${ENV}SCOPE`))
    .addOption(new Option('--audience <audience>', 'the audience parameter (Auth0, Okta, …)').env(`${ENV}AUDIENCE`))
    .addOption(
      new Option('--auth-method <method>', 'how the client authenticates')
        .env(`${ENV}AUTH_METHOD`)
        .choices(['client_secret_basic', 'client_secret_post']),
    )
    .addOption(new Option('--refresh-module <path>', 'a module exporting refresh(), instead of the OAuth options').env(`${ENV}REFRESH_MODULE`))
    .addOption(new Option('--lease-ms <ms>', 'lease duration (default 10000)').env(`${ENV}LEASE_MS`).argParser(parseMilliseconds))
    .addOption(
      new Option('--refresh-timeout-ms <ms>', 'abort a refresh after this long (default 30000)')
        .env(`${ENV}REFRESH_TIMEOUT_MS`)
        .argParser(parseMilliseconds),
    )
    .option('--once', 'one cycle for cron or EventBridge: refresh if due, then exit (0 on success; 1 on failure or when interrupted)')
    .option('--force', 'with --once: refresh even if the token is not due')
    .addOption(new Option('--health-port <port>', 'serve GET /health on this port (0 = any free port)').env(`${ENV}HEALTH_PORT`).argParser(parsePort))
    .addOption(new Option('--health-host <host>', 'interface for the health endpoint').env(`${ENV}HEALTH_HOST`).default('127.0.0.1'))
    .addOption(
      new Option(
        '--serve',
        `also answer the Secrets Manager Agent's API on loopback (GET /secretsmanager/get?secretId=…, port ${DEFAULT_AGENT_PORT}) for processes ` +
          'in any language on this host, task or pod; callers send X-Aws-Parameters-Secrets-Token = AWS_TOKEN (a value or file://path)',
      ).env(`${ENV}SERVE`),
    )
    .addOption(
      new Option('--serve-port <port>', `port of the Agent API (default ${DEFAULT_AGENT_PORT})`).env(`${ENV}SERVE_PORT`).argParser(parsePort),
    )
    .addOption(
      new Option(
        '--lambda-extension',
        "run as an external Lambda extension (the layer's launcher passes it): the Agent API, refreshing only within invocations",
      ).env(`${ENV}LAMBDA_EXTENSION`),
    )
    .addOption(
      new Option('--shutdown-timeout <ms>', 'on SIGTERM/SIGINT, exit 1 if releasing the lease and closing take longer than this')
        .argParser(parseMilliseconds)
        .default(10_000),
    )
    .addOption(new Option('--log-level <level>', 'least severe level logged').env(`${ENV}LOG_LEVEL`).choices(LOG_LEVELS).default('info'))
    .action(async (options: WorkerCommandOptions) => {
      if (options.force && !options.once) throw new ConfigurationError('--force only applies with --once.');
      if (options.serve && options.once) throw new ConfigurationError('--serve needs a long-running worker: it does not apply with --once.');
      if (options.lambdaExtension) {
        await runAsLambdaExtension(options, () => refreshFunction(options));
        return;
      }
      const ssrfToken = options.serve ? resolveSsrfToken(process.env) : undefined;
      const logger = createJsonLogger({ level: options.logLevel, fields: { service: 'token-refresher-worker', secretId: options.secretId } });
      const refresh = await refreshFunction(options);
      const refresher = new TokenRefresher({
        secretId: options.secretId,
        lockTable: options.table,
        label: options.label,
        refresh,
        logger,
        ...(options.primaryRegion === undefined ? {} : { primaryRegion: options.primaryRegion }),
        ...(options.stateSecretId === undefined ? {} : { stateSecretId: options.stateSecretId }),
        ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
        ...(options.refreshTimeoutMs === undefined ? {} : { refreshTimeoutMs: options.refreshTimeoutMs }),
      });
      const worker = new RefreshWorker({ refresher, logger });
      await runUntilDoneOrSignalled(worker, refresher, logger, options, ssrfToken);
    });
}

/**
 * Runs the worker — until SIGTERM or SIGINT, or for one cycle with --once — then closes the refresher
 * (aborting a refresh in flight and releasing its lease) within the shutdown bound. A signal ends the
 * long-running worker normally (exit 0); it interrupts a --once cycle (exit 1, lease released).
 */
async function runUntilDoneOrSignalled(
  worker: RefreshWorker,
  refresher: TokenRefresher,
  logger: RefresherLogger,
  options: WorkerCommandOptions,
  ssrfToken: string | undefined,
): Promise<void> {
  let health: HealthServer | undefined;
  let agent: { server: AgentApiServer; secretsManager: SecretsManagerClient } | undefined;
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info('token-refresher worker: shutting down', { event: 'shutdown', signal });
    stop.abort(new TokenRefresherError(`Interrupted by ${signal} before the cycle finished; the lease, if taken, was released.`));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    if (options.once) {
      await worker.runOnce({ force: options.force ?? false, signal: stop.signal });
      return;
    }
    if (options.healthPort !== undefined) {
      health = await startHealthServer({ status: () => worker.status(), port: options.healthPort, host: options.healthHost });
    }
    if (ssrfToken !== undefined) agent = await serveAgentApi(refresher, logger, options, ssrfToken);
    logger.info('token-refresher worker: started', {
      event: 'started',
      pid: process.pid,
      ...(health === undefined ? {} : { healthUrl: `http://${options.healthHost}:${health.port}/health` }),
      ...(agent === undefined
        ? {}
        : { agentUrl: `http://localhost:${agent.server.port}/secretsmanager/get?secretId=${encodeURIComponent(options.secretId)}` }),
    });
    await worker.run(stop.signal);
  } finally {
    const server = health;
    const served = agent;
    const closed = await closeWithin(async () => {
      await served?.server.close();
      served?.secretsManager.destroy();
      await refresher.close();
      await server?.close();
    }, options.shutdownTimeout);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    if (closed === 'timed-out') {
      logger.error('token-refresher worker: closing took too long; exiting (an unreleased lease expires by itself)', {
        event: 'shutdown-timed-out',
        shutdownTimeoutMs: options.shutdownTimeout,
      });
      process.exit(1);
    }
    if (!options.once) logger.info('token-refresher worker: stopped', { event: 'stopped' });
  }
}

/** The Agent API over the worker's refresher: answers from the token the worker keeps fresh. */
async function serveAgentApi(
  refresher: TokenRefresher,
  logger: RefresherLogger,
  options: WorkerCommandOptions,
  ssrfToken: string,
): Promise<{ server: AgentApiServer; secretsManager: SecretsManagerClient }> {
  const secretsManager = new SecretsManagerClient({});
  try {
    const api = new AgentApi({
      secrets: [{ secretId: options.secretId, label: options.label, tokens: refresher }],
      ssrfToken,
      secretsManager,
      logger,
    });
    return { server: await startAgentApiServer({ api, port: options.servePort ?? DEFAULT_AGENT_PORT }), secretsManager };
  } catch (error) {
    secretsManager.destroy();
    throw error;
  }
}

/** The built-in OAuth 2.0 source for `--grant`, or the module's `refresh`. */
async function refreshFunction(options: WorkerCommandOptions): Promise<RefreshFunction> {
  if (options.clientSecret !== undefined) {
    throw new ConfigurationError(
      `--client-secret is not accepted: a command line is visible to every user of the machine. Put the secret in ${options.clientSecretEnv}, ` +
        'or store it in Secrets Manager and pass --client-secret-id.',
    );
  }
  if (options.refreshModule !== undefined) {
    if (options.tokenUrl !== undefined) throw new ConfigurationError('Give either --refresh-module or --token-url (OAuth), not both.');
    if (options.grant !== undefined)
      throw new ConfigurationError('--grant chooses the built-in OAuth source: it does not apply with --refresh-module.');
    return loadRefreshModule(options.refreshModule);
  }
  if (options.tokenUrl === undefined) {
    throw new ConfigurationError(
      'Say where tokens come from: --token-url and --client-id (OAuth 2.0, --grant client-credentials or refresh-token), or --refresh-module <path>.',
    );
  }
  if (options.clientId === undefined) throw new ConfigurationError(`--token-url needs --client-id (or ${ENV}CLIENT_ID).`);
  const clientSecret = process.env[options.clientSecretEnv];
  const hasSecret = clientSecret !== undefined && clientSecret !== '';
  if (hasSecret === (options.clientSecretId !== undefined)) {
    throw new ConfigurationError(
      hasSecret
        ? `Give the client secret once: ${options.clientSecretEnv} is set and so is --client-secret-id.`
        : `The OAuth client needs its secret: set ${options.clientSecretEnv}, or pass --client-secret-id with the Secrets Manager secret that holds it.`,
    );
  }
  const client = {
    tokenUrl: options.tokenUrl,
    clientId: options.clientId,
    ...(options.scope === undefined ? {} : { scope: options.scope }),
    ...(options.authMethod === undefined ? {} : { authMethod: options.authMethod }),
  };
  const secret: ClientSecretValue | ClientSecretReference = hasSecret
    ? { clientSecret: clientSecret as string }
    : { clientSecretId: options.clientSecretId as string };
  if (options.grant === 'refresh-token') {
    checkRefreshTokenGrant(options);
    return oauth2RefreshToken({
      ...client,
      ...secret,
      ...(options.refreshTokenKey === undefined ? {} : { refreshTokenKey: options.refreshTokenKey }),
    });
  }
  if (options.refreshTokenKey !== undefined) throw new ConfigurationError('--refresh-token-key applies with --grant refresh-token only.');
  const common = { ...client, ...(options.audience === undefined ? {} : { audience: options.audience }) };
  return oauth2ClientCredentials({ ...common, ...secret });
}

/** The refresh token grant rotates a refresh token that only the state secret may hold. */
function checkRefreshTokenGrant(options: WorkerCommandOptions): void {
  if (options.stateSecretId === undefined) {
    throw new ConfigurationError(
      `--grant refresh-token needs --state-secret-id (or ${ENV}STATE_SECRET_ID): the secret that keeps the refresh token, ` +
        'which readers cannot read. Seed it once with `token-refresher seed-state`.',
    );
  }
  if (options.audience !== undefined) {
    throw new ConfigurationError("--audience applies to the client credentials grant only: the refresh token grant keeps the grant's audience.");
  }
}
