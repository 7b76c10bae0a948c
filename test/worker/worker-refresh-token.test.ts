import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthServer, type OAuthServer } from '../../devkit/oauth-server.js';
import { startLocalStack, type LocalStack } from '../../src/local/stack.js';
import { ensureLockTable } from '../../src/lock/index.js';
import { TokenRefresher, type RefresherEvent } from '../../src/refresher/index.js';
import { oauth2RefreshToken } from '../../src/sources/index.js';
import { LOCAL_AWS } from '../support/dynamodb.js';
import { spawnCli, type CliProcess } from '../support/cli-process.js';
import { storedGeneration, storedSecret } from '../support/secret-model.js';

const CLIENT = { clientId: 'rotating-worker', clientSecret: 'rotating-worker-client-secret' };
const GENERATIONS = 20;

describe('Command: token-refresher worker --grant refresh-token (real processes, oidc-provider rotating refresh tokens)', () => {
  let stack: LocalStack;
  let dynamodb: DynamoDBClient;
  let secretsManager: SecretsManagerClient;
  let oauth: OAuthServer;
  const running: CliProcess[] = [];
  const target = { secretId: 'worker/rotating-token', stateSecretId: 'worker/rotating-state', table: 'worker-rotating-locks' };

  beforeAll(async () => {
    stack = await startLocalStack();
    dynamodb = new DynamoDBClient({ ...LOCAL_AWS, endpoint: stack.dynamodbEndpoint });
    secretsManager = new SecretsManagerClient({ ...LOCAL_AWS, endpoint: stack.secretsManagerEndpoint });
    oauth = await startOAuthServer({
      clients: [{ ...CLIENT, scope: 'read', offlineAccess: true }],
      refreshTokens: { rotate: true },
      accessTokenTtlSeconds: 2,
    });
    await ensureLockTable({ client: dynamodb, tableName: target.table });
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((cli) => cli.process.kill('SIGKILL')));
  });
  afterAll(async () => {
    dynamodb.destroy();
    secretsManager.destroy();
    await oauth.close();
    await stack.close();
  });

  function startCli(args: readonly string[], env: Record<string, string> = {}): CliProcess {
    const cli = spawnCli(args, { ...stack.environment(), ...env });
    running.push(cli);
    return cli;
  }

  function startWorker(): CliProcess {
    return startCli(
      [
        'worker',
        ...['--secret-id', target.secretId, '--state-secret-id', target.stateSecretId, '--table', target.table],
        ...['--grant', 'refresh-token', '--token-url', oauth.tokenUrl, '--client-id', CLIENT.clientId, '--scope', 'read'],
      ],
      { TOKEN_REFRESHER_CLIENT_SECRET: CLIENT.clientSecret },
    );
  }

  /** Every refresh token the state secret ever held (the seeded one included); never empty once seeded. */
  function storedRefreshTokens(): string[] {
    const model = stack.secretsManager.model;
    const versions = model.listSecretVersionIds({ SecretId: target.stateSecretId, IncludeDeprecated: true, MaxResults: 100 }).Versions ?? [];
    const tokens = versions.map((version) => {
      const { SecretString } = model.getSecretValue({ SecretId: target.stateSecretId, VersionId: version.VersionId });
      const refreshToken = (JSON.parse(SecretString ?? '{}') as { state?: { refreshToken?: unknown } }).state?.refreshToken;
      if (typeof refreshToken !== 'string') throw new Error(`state version ${version.VersionId} holds no refresh token`);
      return refreshToken;
    });
    expect(tokens.length).toBeGreaterThan(0);
    return tokens;
  }

  const successfulRefreshes = (): number =>
    oauth.requests.filter((request) => request.grantType === 'refresh_token' && request.status === 200).length;

  it(`two workers and callers through ${GENERATIONS} generations: one rotation per generation, the grant alive at the end, no token in any output`, async () => {
    // An operator's set-up: a real authorization code grant, then seed-state with the refresh token from the environment.
    const grant = await oauth.authorize({ ...CLIENT, scope: 'read' });
    const seeding = startCli(
      ['seed-state', '--secret-id', target.secretId, '--state-secret-id', target.stateSecretId, '--table', target.table, '--json'],
      { TOKEN_REFRESHER_SEED_STATE: grant.refreshToken },
    );
    expect((await seeding.finished()).code).toBe(0);

    const workers = [startWorker(), startWorker()];
    // Callers: TokenRefreshers in this process on the same secrets, table and server. Their refresh
    // window (the last 0.5 s) comes after the workers' (the last half of the 2 s lifetime): they read
    // what the workers refresh, and refresh through the same lease only if the workers fall behind.
    const refreshedByCallers: number[] = [];
    const callers = Array.from(
      { length: 2 },
      () =>
        new TokenRefresher({
          secretId: target.secretId,
          stateSecretId: target.stateSecretId,
          lockTable: target.table,
          refresh: oauth2RefreshToken({ tokenUrl: oauth.tokenUrl, ...CLIENT, scope: 'read' }),
          refreshWindowMs: 500,
          minValidityMs: 200,
          dynamodb,
          secretsManager,
          onEvent: (event: RefresherEvent) => {
            if (event.type === 'refreshed') refreshedByCallers.push(event.generation);
          },
        }),
    );
    const served: string[] = [];
    // Counted the moment the last generation is stored: the next refresh cannot start before its
    // refresh window, half a lifetime later, so no token request is then in flight.
    let snapshot: { refreshes: number; generation: number; versions: number };
    try {
      for (;;) {
        if ((storedGeneration(stack.secretsManager.model, target.secretId) ?? 0) >= GENERATIONS) {
          const stored = storedSecret(stack.secretsManager.model, target.secretId);
          snapshot = { refreshes: successfulRefreshes(), generation: stored.generation, versions: stored.versions };
          break;
        }
        for (const result of await Promise.all(callers.map((caller) => caller.getToken()))) served.push(result.token);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await Promise.all(callers.map((caller) => caller.close()));
    }

    expect(snapshot.refreshes).toBe(snapshot.generation);
    expect(snapshot.versions).toBe(snapshot.generation);
    expect(oauth.requests.filter((request) => request.error !== undefined)).toEqual([]);
    expect(oauth.stats.grantsRevoked).toBe(0);
    const refreshTokens = storedRefreshTokens();
    // The seeded token and one successor per generation, each stored once.
    expect(new Set(refreshTokens).size).toBe(snapshot.generation + 1);
    expect(refreshTokens).toContain(grant.refreshToken);

    const finished = await Promise.all(
      workers.map((worker) => {
        worker.process.child.kill('SIGTERM');
        return worker.finished();
      }),
    );
    expect(finished.map((result) => result.code)).toEqual([0, 0]);
    const refreshedByWorkers = finished.flatMap((result) =>
      result.lines.filter((line) => line.message === 'token-refresher: refreshed the token').map((line) => Number(line.generation)),
    );
    const refreshed = [...refreshedByWorkers, ...refreshedByCallers];
    expect(new Set(refreshed).size).toBe(refreshed.length);
    for (let generation = 1; generation <= snapshot.generation; generation += 1) expect(refreshed).toContain(generation);
    expect(refreshedByWorkers.length).toBeGreaterThan(0);

    // Alive: the newest refresh token (AWSCURRENT of the state secret) is still honoured by the server.
    const { SecretString } = stack.secretsManager.model.getSecretValue({ SecretId: target.stateSecretId, VersionStage: 'AWSCURRENT' });
    const newest = (JSON.parse(SecretString ?? '{}') as { state: { refreshToken: string } }).state.refreshToken;
    expect(await oauth.introspect(newest)).toMatchObject({ active: true, client_id: CLIENT.clientId });

    const accessTokens = storedSecret(stack.secretsManager.model, target.secretId).tokens;
    expect(served.length).toBeGreaterThan(0);
    for (const token of served) expect(refreshTokens).not.toContain(token);
    const everything = [seeding, ...workers].map((cli) => cli.output.join('') + cli.process.stderr()).join('\n');
    for (const secret of [...refreshTokens, ...accessTokens, CLIENT.clientSecret]) expect(everything).not.toContain(secret);
  }, 120_000);

  it('refuses --grant refresh-token without --state-secret-id, before any request, naming what to add', async () => {
    const requestsBefore = oauth.requests.length;
    const refused = startCli(
      [
        'worker',
        ...['--secret-id', target.secretId, '--table', target.table, '--grant', 'refresh-token'],
        ...['--token-url', oauth.tokenUrl, '--client-id', CLIENT.clientId, '--once'],
      ],
      { TOKEN_REFRESHER_CLIENT_SECRET: CLIENT.clientSecret },
    );
    const { code } = await refused.finished();
    expect(code).toBe(1);
    expect(refused.process.stderr()).toContain('--grant refresh-token needs --state-secret-id');
    expect(oauth.requests.length).toBe(requestsBefore);
  });
});
