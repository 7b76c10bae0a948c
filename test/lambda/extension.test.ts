import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lockNameFor } from '../../src/refresher/index.js';
import { RefreshPolicy } from '../../src/token/policy.js';
import { startExecutionEnvironment, type ExecutionEnvironment, type InvocationResult } from './runtime-api.js';
import { CLIENT, CLIENT_SECRET_ID, closeWorld, deploy, generationSoFar, startWorld, storedTokens, versionCount, type World } from './world.js';

const NODE_HANDLER = 'examples/lambda/handler.ts';
const PYTHON_RUNTIME = 'test/lambda/python/runtime.py';
/**
 * The policy the extension runs with. Its minimum validity depends on each token's lifetime as the
 * envelope records it (refreshedAt to expiresAt: about 3 s here, less on a busy machine, where
 * refreshedAt is taken later after the IdP's answer).
 */
const DEFAULT_POLICY = new RefreshPolicy();

/** What the Python function returns (test/lambda/python/function.py). */
interface PythonResult {
  statusCode: number;
  apiStatus: number;
  token: string;
  expiresAt: number;
  /** When the token was refreshed, as its envelope records it. */
  refreshedAt: number;
  /** When the function asked the extension for the token: it was served then or later. */
  requestedAt: number;
  generation: number;
  versionId: string;
  name: string;
}

function payload<T>(result: InvocationResult): T {
  if (!result.ok) throw new Error(`The invocation failed: ${result.errorType}: ${result.errorMessage}`);
  return result.payload as T;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

describe('Lambda extension: the Agent API for a Python function, in simulated execution environments', () => {
  let world: World;
  let layer: string;
  const environments: ExecutionEnvironment[] = [];

  beforeAll(async () => {
    // The layer exactly as `npm run build:extension` builds it: the launcher runs the bundle.
    layer = mkdtempSync(join(tmpdir(), 'token-refresher-layer-'));
    const built = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-extension.ts', '--out', layer], { encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`build:extension failed: ${built.stderr}`);
    world = await startWorld(3);
  });
  afterAll(() => closeWorld(world));
  afterEach(async () => {
    await Promise.all(environments.splice(0).map((environment) => environment.close()));
    world.oauth.resetFaults();
  });

  /** A Python function with the token-refresher layer, configured as the README says. */
  async function pythonEnvironment(
    deployed: { secretId: string; env: Record<string, string> },
    options: { freeze?: boolean; env?: Record<string, string> } = {},
  ): Promise<ExecutionEnvironment> {
    const environment = await startExecutionEnvironment({
      runtime: { command: 'python3', args: [PYTHON_RUNTIME] },
      extensions: [{ name: 'token-refresher', command: join(layer, 'extensions', 'token-refresher') }],
      freeze: options.freeze ?? true,
      env: {
        ...options.env,
        ...world.stack.environment(),
        TOKEN_SECRET_ID: deployed.secretId,
        API_URL: deployed.env.API_URL ?? '',
        PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: options.env?.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? String(await freePort()),
        TOKEN_REFRESHER_SECRET_ID: deployed.secretId,
        TOKEN_REFRESHER_TABLE: deployed.env.LOCK_TABLE ?? '',
        TOKEN_REFRESHER_TOKEN_URL: world.oauth.tokenUrl,
        TOKEN_REFRESHER_CLIENT_ID: CLIENT.clientId,
        TOKEN_REFRESHER_CLIENT_SECRET_ID: CLIENT_SECRET_ID,
        TOKEN_REFRESHER_SCOPE: 'orders:read',
      },
    });
    environments.push(environment);
    return environment;
  }

  async function lockItem(deployed: { secretId: string; env: Record<string, string> }): Promise<Record<string, unknown> | undefined> {
    const { Item } = await world.dynamodb.send(
      new GetItemCommand({ TableName: deployed.env.LOCK_TABLE, Key: { pk: { S: lockNameFor(deployed.secretId) } }, ConsistentRead: true }),
    );
    return Item;
  }

  it('serves valid tokens to Python functions beside Node functions over 10 generations: one IdP call per generation, 0 expired, lease released on SHUTDOWN', async () => {
    const deployed = await deploy(world);
    const python = await Promise.all([pythonEnvironment(deployed), pythonEnvironment(deployed)]);
    const node = await Promise.all(
      Array.from({ length: 2 }, () => startExecutionEnvironment({ handlerModule: NODE_HANDLER, env: deployed.env, freeze: true })),
    );
    environments.push(...node);
    const mintedBefore = world.oauth.stats.minted;
    const served: PythonResult[] = [];
    const nodeStatuses: number[] = [];
    // Counted the moment generation 10 is stored: the next refresh cannot start before its window,
    // half a token lifetime later, so no IdP call is then in flight.
    let snapshot: { minted: number; generation: number; versions: number } | undefined;
    const take = (): boolean => {
      const generation = generationSoFar(world, deployed.secretId);
      if (generation < 10) return false;
      snapshot ??= { minted: world.oauth.stats.minted - mintedBefore, generation, versions: versionCount(world, deployed.secretId) };
      return true;
    };
    await Promise.all([
      ...python.map(async (environment) => {
        while (!take()) served.push(payload<PythonResult>(await environment.invoke({}, { timeoutMs: 10_000 })));
      }),
      ...node.map(async (environment) => {
        while (!take()) nodeStatuses.push(payload<{ statusCode: number }>(await environment.invoke({}, { timeoutMs: 10_000 })).statusCode);
      }),
    ]);

    expect(snapshot?.generation).toBeGreaterThanOrEqual(10);
    expect(snapshot?.minted).toBe(snapshot?.generation);
    expect(snapshot?.versions).toBe(snapshot?.generation);
    expect(new Set(nodeStatuses)).toEqual(new Set([200]));
    expect(served.length).toBeGreaterThan(20);
    const stored = new Set(storedTokens(world, deployed.secretId));
    for (const result of served) {
      expect(result).toMatchObject({ statusCode: 200, name: deployed.secretId });
      expect(stored.has(result.token)).toBe(true);
      // Measured from the request, not the response: time in transit is not the extension's to guarantee.
      expect(result.expiresAt - result.requestedAt, `generation ${result.generation} served with too little validity`).toBeGreaterThanOrEqual(
        DEFAULT_POLICY.minValidityMs(result.expiresAt - result.refreshedAt),
      );
    }
    // The Python functions saw the tokens of many generations, not one cached value.
    expect(new Set(served.map((result) => result.generation)).size).toBeGreaterThanOrEqual(5);

    for (const environment of python) {
      const [extension] = await environment.shutdown('spindown');
      const output = environment.extensions.get('token-refresher');
      expect(extension, `the extension's stderr:\n${output?.stderr()}`).toMatchObject({ name: 'token-refresher', inTime: true, exit: { code: 0 } });
      for (const token of stored) {
        expect(output?.stderr()).not.toContain(token);
      }
    }
    // Released, not missing: the item keeps its fence after the release.
    const released = await lockItem(deployed);
    expect(released?.lockFence).toBeDefined();
    expect(released?.lockOwner).toBeUndefined();
  }, 180_000);

  it('on SHUTDOWN in the middle of a refresh, aborts it, releases the lease and exits in time', async () => {
    const deployed = await deploy(world);
    const environment = await pythonEnvironment(deployed);
    world.oauth.setLatency(30_000);
    const tokenRequest = world.oauth.nextTokenRequest();
    const invocation = environment.invoke({}, { timeoutMs: 20_000 });
    await tokenRequest;
    expect((await lockItem(deployed))?.lockOwner).toBeDefined();

    const [extension] = await environment.shutdown('timeout');

    expect(extension).toMatchObject({ inTime: true, exit: { code: 0 } });
    expect(await invocation).toMatchObject({ ok: false, errorType: 'Sandbox.Timedout' });
    const item = await lockItem(deployed);
    expect(item?.lockFence).toBeDefined();
    expect(item?.lockOwner).toBeUndefined();
    expect(versionCount(world, deployed.secretId)).toBe(0);
  }, 60_000);

  it("refuses requests as the AWS extension does: no token, another environment's token, X-Forwarded-For, another secret", async () => {
    const deployed = await deploy(world);
    const port = await freePort();
    const sessionToken = 'session-token-of-this-environment';
    // Not frozen between invocations, so that this test process can call the extension itself.
    const environment = await pythonEnvironment(deployed, {
      freeze: false,
      env: { AWS_SESSION_TOKEN: sessionToken, PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(port) },
    });
    expect(payload<PythonResult>(await environment.invoke({}, { timeoutMs: 10_000 })).statusCode).toBe(200);

    const url = `http://localhost:${port}/secretsmanager/get?secretId=${encodeURIComponent(deployed.secretId)}`;
    const ask = async (target: string, headers: Record<string, string>): Promise<{ status: number; body: string }> => {
      const response = await fetch(target, { headers });
      return { status: response.status, body: await response.text() };
    };
    expect(await ask(url, {})).toEqual({ status: 403, body: 'Bad Token' });
    expect(await ask(url, { 'X-Aws-Parameters-Secrets-Token': 'session-token-of-another-environment' })).toEqual({ status: 403, body: 'Bad Token' });
    expect(await ask(url, { 'X-Aws-Parameters-Secrets-Token': sessionToken, 'X-Forwarded-For': '198.51.100.7' })).toEqual({
      status: 400,
      body: 'Forwarded',
    });
    const other = await ask(`http://localhost:${port}/secretsmanager/get?secretId=prod/database-password`, {
      'X-Aws-Parameters-Secrets-Token': sessionToken,
    });
    expect(other.status).toBe(400);
    expect(JSON.parse(other.body)).toMatchObject({ __type: 'AccessDeniedException' });
    expect((await ask(url, { 'X-Aws-Parameters-Secrets-Token': sessionToken })).status).toBe(200);
    expect((await environment.shutdown('spindown'))[0]).toMatchObject({ inTime: true, exit: { code: 0 } });
  }, 60_000);
});
