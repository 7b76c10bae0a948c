import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../src/local/stack.js';
import { ensureLockTable } from '../../src/lock/index.js';
import { TokenRefresher, type RefresherEvent } from '../../src/refresher/index.js';
import { oauth2ClientCredentials } from '../../src/sources/index.js';
import { LOCAL_AWS } from '../support/dynamodb.js';
import { startOAuthServer, type OAuthServer } from '../../devkit/oauth-server.js';
import { spawnCli, type CliProcess } from '../support/cli-process.js';
import { storedGeneration, storedSecret, type StoredSecret } from '../support/secret-model.js';

const CLIENT = { clientId: 'token-worker', clientSecret: 'token-worker-client-secret' };

describe('Command: token-refresher worker (real processes on the local stack)', () => {
  let stack: LocalStack;
  let dynamodb: DynamoDBClient;
  let secretsManager: SecretsManagerClient;
  let oauth: OAuthServer;
  let shortOAuth: OAuthServer;
  const workers: CliProcess[] = [];
  let tables = 0;

  beforeAll(async () => {
    stack = await startLocalStack();
    dynamodb = new DynamoDBClient({ ...LOCAL_AWS, endpoint: stack.dynamodbEndpoint });
    secretsManager = new SecretsManagerClient({ ...LOCAL_AWS, endpoint: stack.secretsManagerEndpoint });
    oauth = await startOAuthServer({ clients: [CLIENT], accessTokenTtlSeconds: 3_600 });
    shortOAuth = await startOAuthServer({ clients: [CLIENT], accessTokenTtlSeconds: 3 });
  });
  afterEach(async () => {
    oauth.resetFaults();
    await Promise.all(workers.splice(0).map((worker) => worker.process.kill('SIGKILL')));
  });
  afterAll(async () => {
    dynamodb.destroy();
    secretsManager.destroy();
    await shortOAuth.close();
    await oauth.close();
    await stack.close();
  });

  async function deployment(): Promise<{ secretId: string; table: string }> {
    tables += 1;
    const table = `worker-locks-${tables}`;
    await ensureLockTable({ client: dynamodb, tableName: table });
    return { secretId: `worker/api-token-${tables}`, table };
  }

  function startWorker(server: OAuthServer, target: { secretId: string; table: string }, ...extra: string[]): CliProcess {
    const worker = spawnCli(
      ['worker', '--secret-id', target.secretId, '--table', target.table, '--token-url', server.tokenUrl, '--client-id', CLIENT.clientId, ...extra],
      { ...stack.environment(), TOKEN_REFRESHER_CLIENT_SECRET: CLIENT.clientSecret },
    );
    workers.push(worker);
    return worker;
  }

  const secretModel = (secretId: string): StoredSecret => storedSecret(stack.secretsManager.model, secretId);

  /** Fails unless `tokens` holds something: a scan over no tokens would pass whatever the logs say. */
  function expectNoTokenIn(worker: CliProcess, tokens: readonly string[]): void {
    expect(tokens.length).toBeGreaterThan(0);
    const everything = worker.output.join('') + worker.process.stderr();
    for (const token of tokens) expect(everything).not.toContain(token);
  }

  it('two workers and callers through five generations: one refresh per generation, no token in any log line', async () => {
    const target = await deployment();
    const mintedBefore = shortOAuth.stats.minted;
    const first = startWorker(shortOAuth, target, '--log-level', 'debug');
    const second = startWorker(shortOAuth, target);
    await Promise.all([first.next('started'), second.next('started')]);

    // Callers: TokenRefreshers in this process on the same secret, lock table and IdP. Their refresh
    // window is the last 0.6 s, after the workers' (the last half of the lifetime): they read what the
    // workers refresh, and refresh themselves only if the workers fall behind.
    const refreshedByCallers: number[] = [];
    const callers = Array.from(
      { length: 2 },
      () =>
        new TokenRefresher({
          secretId: target.secretId,
          lockTable: target.table,
          refresh: oauth2ClientCredentials({ tokenUrl: shortOAuth.tokenUrl, ...CLIENT }),
          refreshWindowMs: 600,
          minValidityMs: 250,
          dynamodb,
          secretsManager,
          onEvent: (event: RefresherEvent) => {
            if (event.type === 'refreshed') refreshedByCallers.push(event.generation);
          },
        }),
    );
    // Counted the moment generation 5 is stored: the next refresh cannot start before its refresh
    // window, half a token lifetime later, so no IdP call is then in flight.
    let snapshot: { minted: number; generation: number; versions: number };
    try {
      for (;;) {
        // Polled before the first refresh too: only "no AWSCURRENT yet" reads as nothing stored.
        if ((storedGeneration(stack.secretsManager.model, target.secretId) ?? 0) >= 5) {
          const model = secretModel(target.secretId);
          snapshot = { minted: shortOAuth.stats.minted - mintedBefore, generation: model.generation, versions: model.versions };
          break;
        }
        await Promise.all(callers.map((caller) => caller.getToken()));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await Promise.all(callers.map((caller) => caller.close()));
    }
    expect(snapshot.minted).toBe(snapshot.generation);
    expect(snapshot.versions).toBe(snapshot.generation);

    const finished = await Promise.all(
      [first, second].map((worker) => {
        worker.process.child.kill('SIGTERM');
        return worker.finished();
      }),
    );
    expect(finished.map((result) => result.code)).toEqual([0, 0]);
    // The refresher's own line, written once the new version is promoted (the worker's cycle line may
    // be cut short by the SIGTERM).
    const refreshedByWorkers = finished.flatMap((result) =>
      result.lines.filter((line) => line.message === 'token-refresher: refreshed the token').map((line) => Number(line.generation)),
    );
    const refreshed = [...refreshedByWorkers, ...refreshedByCallers];
    expect(new Set(refreshed).size).toBe(refreshed.length);
    for (let generation = 1; generation <= snapshot.generation; generation += 1) expect(refreshed).toContain(generation);
    expect(refreshedByWorkers.length).toBeGreaterThan(0);
    const { tokens } = secretModel(target.secretId);
    for (const worker of [first, second]) expectNoTokenIn(worker, tokens);
  });

  it('--once refreshes a missing token and exits 0; again, finds it valid without calling the IdP; with --force, refreshes it', async () => {
    const target = await deployment();
    const mintedBefore = oauth.stats.minted;
    const run = (...extra: string[]) => startWorker(oauth, target, '--once', ...extra).finished();

    const first = await run();
    expect(first.code).toBe(0);
    expect(first.lines.find((line) => line.event === 'refreshed')).toMatchObject({ generation: 1, service: 'token-refresher-worker' });
    expect(oauth.stats.minted - mintedBefore).toBe(1);

    const second = await run();
    expect(second.code).toBe(0);
    expect(second.lines.find((line) => line.event === 'valid')).toMatchObject({ generation: 1 });
    expect(oauth.stats.minted - mintedBefore).toBe(1);

    const forced = await run('--force');
    expect(forced.code).toBe(0);
    expect(forced.lines.find((line) => line.event === 'refreshed')).toMatchObject({ generation: 2 });
    expect(oauth.stats.minted - mintedBefore).toBe(2);
    expect(secretModel(target.secretId)).toMatchObject({ generation: 2, versions: 2 });
  });

  it('SIGTERM during --once releases the lease and exits 1; the next --once refreshes at once', async () => {
    const target = await deployment();
    const lease = ['--lease-ms', '600000', '--refresh-timeout-ms', '600000'];
    oauth.setLatency(600_000);
    const refreshing = oauth.nextTokenRequest();
    const interrupted = startWorker(oauth, target, '--once', ...lease);
    await refreshing;
    oauth.setLatency(0);
    interrupted.process.child.kill('SIGTERM');
    const { code, lines } = await interrupted.finished();
    expect(code).toBe(1);
    expect(lines.map((line) => line.event).filter((event) => event !== undefined)).toEqual(['shutdown']);
    expect(interrupted.process.stderr()).toContain('TokenRefresherError: Interrupted by SIGTERM before the cycle finished');

    const next = await startWorker(oauth, target, '--once', ...lease).finished();
    expect(next.code).toBe(0);
    expect(next.lines.find((line) => line.event === 'refreshed')).toMatchObject({ generation: 1 });
  });

  it('SIGTERM mid-refresh aborts the refresh, releases the lease and exits 0; a waiting contender takes over at once, not after the lease, and turns healthy', async () => {
    const target = await deployment();
    // A ten-minute lease: the contender can only get it before the test times out if it is released.
    const lease = ['--lease-ms', '600000', '--refresh-timeout-ms', '600000'];
    oauth.setLatency(600_000);
    const refreshing = oauth.nextTokenRequest();
    const holder = startWorker(oauth, target, ...lease);
    await refreshing;
    oauth.setLatency(0);

    const contender = startWorker(oauth, target, ...lease, '--log-level', 'debug', '--health-port', '0');
    const health = String((await contender.next('started')).healthUrl);
    const waiting = await fetch(health);
    expect({ status: waiting.status, body: await waiting.json() }).toEqual({
      status: 503,
      body: { healthy: false, state: 'starting', consecutiveFailures: 0 },
    });
    holder.process.child.kill('SIGTERM');
    const { code, lines } = await holder.finished();
    expect(code).toBe(0);
    expect(lines.map((line) => line.event).filter((event) => event !== undefined)).toEqual(['started', 'shutdown', 'stopped']);

    expect(await contender.next('refreshed')).toMatchObject({ generation: 1 });
    const serving = await fetch(health);
    expect({ status: serving.status, body: await serving.json() }).toMatchObject({
      status: 200,
      body: { healthy: true, state: 'waiting', generation: 1 },
    });
    expect(secretModel(target.secretId)).toMatchObject({ generation: 1, versions: 1 });
    expectNoTokenIn(contender, secretModel(target.secretId).tokens);
  });
});
