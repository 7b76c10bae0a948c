import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentApi,
  isLoopbackAddress,
  resolveSsrfToken,
  startAgentApiServer,
  type AgentApiServer,
  type AgentRequest,
} from '../../src/agent-api/index.js';
import { startLocalStack, type LocalStack } from '../../src/local/stack.js';
import { ensureLockTable } from '../../src/lock/index.js';
import { TokenRefresher } from '../../src/refresher/index.js';
import { ConfigurationError } from '../../src/shared/errors.js';
import { LOCAL_AWS, uniqueTableName } from '../support/dynamodb.js';

const SSRF = 'local-ssrf-token';

interface Rig {
  secretId: string;
  refresher: TokenRefresher;
  api: AgentApi;
  server: AgentApiServer;
  minted: string[];
  logLines: string[];
}

interface Reply {
  status: number;
  body: string;
  contentType: string | undefined;
}

/** A plain HTTP GET, as any client in any language sends it. */
function get(
  port: number,
  path: string,
  headers: Record<string, string> = { 'X-Aws-Parameters-Secrets-Token': SSRF },
  method = 'GET',
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const sent = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, contentType: response.headers['content-type'] }));
    });
    sent.on('error', reject);
    sent.end();
  });
}

describe('Class: AgentApi', () => {
  let stack: LocalStack;
  let secretsManager: SecretsManagerClient;
  let dynamodb: DynamoDBClient;
  const rigs: Rig[] = [];

  beforeAll(async () => {
    stack = await startLocalStack();
    secretsManager = new SecretsManagerClient({ ...LOCAL_AWS, endpoint: stack.secretsManagerEndpoint });
    dynamodb = new DynamoDBClient({ ...LOCAL_AWS, endpoint: stack.dynamodbEndpoint });
  });
  afterAll(async () => {
    for (const rig of rigs) {
      await rig.server.close();
      await rig.refresher.close();
    }
    secretsManager.destroy();
    dynamodb.destroy();
    await stack.close();
  });

  let secrets = 0;
  async function rig(options: { lifetimeMs?: number; refreshNowMinAgeMs?: number } = {}): Promise<Rig> {
    secrets += 1;
    const secretId = `agent-api/token-${secrets}`;
    const lockTable = uniqueTableName('agent-api');
    await ensureLockTable({ client: dynamodb, tableName: lockTable });
    const minted: string[] = [];
    const logLines: string[] = [];
    const refresher = new TokenRefresher({
      secretId,
      lockTable,
      secretsManager,
      dynamodb,
      refresh: async () => {
        const token = `token-${secrets}-${minted.length + 1}-${Math.random().toString(36).slice(2)}`;
        minted.push(token);
        return { token, expiresAt: Date.now() + (options.lifetimeMs ?? 3_600_000) };
      },
    });
    const logger = Object.fromEntries(
      (['debug', 'info', 'warn', 'error'] as const).map((level) => [level, (...parts: unknown[]) => logLines.push(JSON.stringify(parts))]),
    ) as unknown as ConstructorParameters<typeof AgentApi>[0]['logger'];
    const api = new AgentApi({
      secrets: [{ secretId, tokens: refresher }],
      ssrfToken: SSRF,
      secretsManager,
      logger,
      ...(options.refreshNowMinAgeMs === undefined ? {} : { refreshNowMinAgeMs: options.refreshNowMinAgeMs }),
    });
    const server = await startAgentApiServer({ api, port: 0 });
    const built = { secretId, refresher, api, server, minted, logLines };
    rigs.push(built);
    return built;
  }

  it("answers GetSecretValue's JSON as the Agent formats it, with the secret's stored bytes as SecretString", async () => {
    const { secretId, server, refresher } = await rig();
    const reply = await get(server.port, `/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`);

    expect(reply).toMatchObject({ status: 200, contentType: 'application/json' });
    const stored = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
    const body = JSON.parse(reply.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['ARN', 'CreatedDate', 'Name', 'SecretString', 'VersionId', 'VersionStages']);
    expect(body).toEqual({
      ARN: stored.ARN,
      Name: secretId,
      VersionId: stored.VersionId,
      SecretString: stored.SecretString,
      VersionStages: stored.VersionStages,
      CreatedDate: String((stored.CreatedDate as Date).getTime() / 1000),
    });
    expect(body.VersionStages).toContain('AWSCURRENT');
    expect(body.CreatedDate).toMatch(/^\d+(\.\d+)?$/);
    const envelope = JSON.parse(body.SecretString as string) as { format: string; token: string };
    expect(envelope).toMatchObject({ format: 'token-refresher/1', token: (await refresher.getToken()).token });
  });

  it('serves the path form, the ARN, X-Vault-Token, the configured label and the current version id', async () => {
    const { secretId, server } = await rig();
    const first = JSON.parse((await get(server.port, `/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`)).body) as {
      ARN: string;
      VersionId: string;
    };
    const asked = [
      `/v1/${secretId}`,
      `/v1/${encodeURIComponent(secretId)}`,
      `/secretsmanager/get?secretId=${encodeURIComponent(first.ARN)}`,
      `/secretsmanager/get?secretId=${encodeURIComponent(secretId)}&versionStage=AWSCURRENT`,
      `/secretsmanager/get?secretId=${encodeURIComponent(secretId)}&versionId=${first.VersionId}`,
      `/secretsmanager/get?secretId=${encodeURIComponent(secretId)}&refreshNow=false`,
    ];
    for (const path of asked) {
      const reply = await get(server.port, path);
      expect(reply.status, path).toBe(200);
      expect((JSON.parse(reply.body) as { VersionId: string }).VersionId, path).toBe(first.VersionId);
    }
    const vault = await get(server.port, `/v1/${secretId}`, { 'X-Vault-Token': SSRF });
    expect(vault.status).toBe(200);
  });

  it('refuses requests as the Agent does: no or a wrong token, X-Forwarded-For, other methods and paths, bad parameters', async () => {
    const { secretId, server } = await rig();
    const path = `/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`;
    const cases: Array<{ reply: Promise<Reply>; status: number; body: string }> = [
      { reply: get(server.port, path, {}), status: 403, body: 'Bad Token' },
      { reply: get(server.port, path, { 'X-Aws-Parameters-Secrets-Token': `${SSRF}x` }), status: 403, body: 'Bad Token' },
      { reply: get(server.port, path, { 'X-Aws-Parameters-Secrets-Token': '' }), status: 403, body: 'Bad Token' },
      { reply: get(server.port, path, { 'X-Aws-Parameters-Secrets-Token': SSRF, 'X-Forwarded-For': '203.0.113.9' }), status: 400, body: 'Forwarded' },
      { reply: get(server.port, path, { 'X-Aws-Parameters-Secrets-Token': SSRF }, 'POST'), status: 405, body: 'Not allowed' },
      { reply: get(server.port, '/secretsmanager/list'), status: 404, body: 'Not found' },
      { reply: get(server.port, '/secretsmanager/get'), status: 400, body: 'missing parameter secretId' },
      { reply: get(server.port, '/v1/'), status: 400, body: 'missing secret ID' },
      { reply: get(server.port, `${path}&refreshNow=yes`), status: 400, body: 'invalid refreshNow value' },
      { reply: get(server.port, `${path}&roleArn=x`), status: 400, body: 'unknown parameter: roleArn' },
      { reply: get(server.port, '/ping', {}), status: 200, body: 'healthy' },
    ];
    for (const { reply, status, body } of cases) expect(await reply).toMatchObject({ status, body });
  });

  it('answers only for the secrets and the label it serves, with Secrets Manager’s error shape', async () => {
    const { secretId, server } = await rig();
    const other = await get(server.port, '/secretsmanager/get?secretId=prod/database-password');
    expect(other).toMatchObject({ status: 400, contentType: 'application/json' });
    expect(JSON.parse(other.body)).toEqual({
      __type: 'AccessDeniedException',
      message: expect.stringContaining('serves only the secrets it refreshes'),
    });

    const previous = await get(server.port, `/secretsmanager/get?secretId=${encodeURIComponent(secretId)}&versionStage=AWSPREVIOUS`);
    expect(previous.status).toBe(400);
    expect(JSON.parse(previous.body)).toMatchObject({ __type: 'ResourceNotFoundException' });
    const version = await get(
      server.port,
      `/secretsmanager/get?secretId=${encodeURIComponent(secretId)}&versionId=00000000-0000-0000-0000-000000000000`,
    );
    expect(JSON.parse(version.body)).toMatchObject({ __type: 'ResourceNotFoundException' });
  });

  it('refuses a request from outside loopback, and listens on loopback only', async () => {
    const { secretId, api, server } = await rig();
    const request = (remoteAddress: string): AgentRequest => ({
      method: 'GET',
      url: `/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`,
      headers: { 'x-aws-parameters-secrets-token': SSRF },
      remoteAddress,
    });
    for (const outside of ['192.0.2.10', '10.0.0.7', '::ffff:10.0.0.7', 'fd00::2', '2001:db8::1']) {
      expect(await api.answer(request(outside)), outside).toMatchObject({ status: 403, body: 'Forbidden' });
    }
    for (const inside of ['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1']) {
      expect((await api.answer(request(inside))).status, inside).toBe(200);
    }
    expect(isLoopbackAddress(undefined)).toBe(false);

    expect(server.host).toBe('127.0.0.1');
    await expect(startAgentApiServer({ api, port: 0, host: '0.0.0.0' })).rejects.toThrow(ConfigurationError);
    await expect(startAgentApiServer({ api, port: 0, host: '::' })).rejects.toThrow(/loopback only/);
    const outside = Object.values(networkInterfaces())
      .flat()
      .find((address) => address !== undefined && !address.internal && address.family === 'IPv4');
    expect(outside, 'this test needs a non-loopback IPv4 interface to connect from').toBeDefined();
    const refused = await new Promise<string>((resolve) => {
      const socket = connect({ host: outside?.address ?? '', port: server.port });
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });

  it('maps refreshNow=true to one refresh for all concurrent callers, and none for a token replaced moments ago', async () => {
    const { secretId, server, minted, refresher } = await rig({ refreshNowMinAgeMs: 60_000 });
    const path = `/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`;
    // The process got its token before serving it (as the worker does): its age is unknown, so it may be replaced.
    const before = await refresher.getToken();
    expect(minted).toHaveLength(1);

    const replies = await Promise.all(Array.from({ length: 20 }, () => get(server.port, `${path}&refreshNow=true`)));
    expect(minted).toHaveLength(2);
    const versions = new Set(replies.map((reply) => (JSON.parse(reply.body) as { VersionId: string }).VersionId));
    expect(versions.size).toBe(1);
    expect(versions.has(before.versionId)).toBe(false);

    for (let again = 0; again < 5; again += 1) expect((await get(server.port, `${path}&refreshNow=1`)).status).toBe(200);
    expect(minted).toHaveLength(2);
  });

  it('replaces a token on refreshNow once the process has served it for refreshNowMinAgeMs', async () => {
    const { secretId, server, minted } = await rig({ refreshNowMinAgeMs: 0 });
    const path = `/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`;
    await get(server.port, path);
    await get(server.port, `${path}&refreshNow=true`);
    await get(server.port, `${path}&refreshNow=true`);
    expect(minted).toHaveLength(3);
  });

  it('never logs a token or the SSRF token', async () => {
    const { secretId, server, minted, logLines, refresher } = await rig();
    await get(server.port, `/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`);
    await refresher.close();
    const failed = await get(server.port, `/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`);
    expect(failed.status).toBe(503);
    expect(logLines.length).toBeGreaterThan(0);
    expect(minted.length).toBeGreaterThan(0);
    for (const line of logLines) {
      expect(line).not.toContain(SSRF);
      for (const token of minted) expect(line).not.toContain(token);
    }
  });
});

describe('Function: resolveSsrfToken', () => {
  it('takes the first of AWS_TOKEN, AWS_SESSION_TOKEN, AWS_CONTAINER_AUTHORIZATION_TOKEN, reading a file:// value', () => {
    const directory = mkdtempSync(join(tmpdir(), 'ssrf-'));
    const file = join(directory, 'awssmatoken');
    writeFileSync(file, 'from-the-file\n');
    expect(resolveSsrfToken({ AWS_TOKEN: 'mine', AWS_SESSION_TOKEN: 'lambda' })).toBe('mine');
    expect(resolveSsrfToken({ AWS_SESSION_TOKEN: 'lambda', AWS_CONTAINER_AUTHORIZATION_TOKEN: 'pod' })).toBe('lambda');
    expect(resolveSsrfToken({ AWS_CONTAINER_AUTHORIZATION_TOKEN: 'pod' })).toBe('pod');
    expect(resolveSsrfToken({ AWS_TOKEN: `file://${file}` })).toBe('from-the-file');
  });

  it('says what to set when no token is configured or its file cannot be read', () => {
    expect(() => resolveSsrfToken({})).toThrow(/set AWS_TOKEN, AWS_SESSION_TOKEN, AWS_CONTAINER_AUTHORIZATION_TOKEN/);
    expect(() => resolveSsrfToken({ AWS_TOKEN: 'file:///nonexistent/awssmatoken' })).toThrow(ConfigurationError);
  });
});
