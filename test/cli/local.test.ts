import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_AWS } from '../support/dynamodb.js';
import { spawnTypeScript, type SpawnedScript } from '../support/processes.js';

interface Endpoints {
  dynamodbEndpoint: string;
  secretsManagerEndpoint: string;
}

const running: SpawnedScript[] = [];
const folders: string[] = [];

function startLocal(args: string[]): SpawnedScript {
  const child = spawnTypeScript('src/cli/main.ts', ['local', ...args]);
  running.push(child);
  return child;
}

function clients(endpoints: Endpoints) {
  return {
    dynamodb: new DynamoDBClient({ ...LOCAL_AWS, endpoint: endpoints.dynamodbEndpoint }),
    secretsManager: new SecretsManagerClient({ ...LOCAL_AWS, endpoint: endpoints.secretsManagerEndpoint }),
  };
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((child) => child.kill('SIGKILL')));
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

describe('Command: token-refresher local', () => {
  it('prints one JSON line with both endpoints, both of which answer the real SDK', async () => {
    const child = startLocal(['--json']);
    const endpoints = await child.nextJson<Endpoints>();
    expect(endpoints.dynamodbEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoints.secretsManagerEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const { dynamodb, secretsManager } = clients(endpoints);
    await secretsManager.send(new CreateSecretCommand({ Name: 'cli/answer', SecretString: 'x' }));
    const tables = await dynamodb.send(
      new CreateTableCommand({
        TableName: 'cli-answer',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    expect(tables.TableDescription?.TableName).toBe('cli-answer');
  });

  it('prints the export lines a user pastes into another shell', async () => {
    const child = startLocal([]);
    const line = await child.nextLine((text) => text.includes('AWS_ENDPOINT_URL_SECRETS_MANAGER='));
    expect(line).toMatch(/export AWS_ENDPOINT_URL_SECRETS_MANAGER=http:\/\/127\.0\.0\.1:\d+/);
    await child.nextLine((text) => text.includes('AWS_ENDPOINT_URL_DYNAMODB='));
  });

  it('shuts down cleanly with exit code 0 on SIGTERM and on SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const child = startLocal(['--json']);
      await child.nextJson<Endpoints>();
      expect(await child.kill(signal)).toEqual({ code: 0, signal: null });
    }
  });

  it('keeps every acknowledged write of both services across a kill -9 with --data-dir', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'token-refresher-local-'));
    folders.push(dataDir);
    const first = startLocal(['--json', '--data-dir', dataDir]);
    const before = clients(await first.nextJson<Endpoints>());
    await before.secretsManager.send(new CreateSecretCommand({ Name: 'durable/token', SecretString: 'one' }));
    const put = await before.secretsManager.send(new PutSecretValueCommand({ SecretId: 'durable/token', SecretString: 'two' }));
    await before.dynamodb.send(
      new CreateTableCommand({
        TableName: 'durable-locks',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await before.dynamodb.send(new PutItemCommand({ TableName: 'durable-locks', Item: { pk: { S: 'lock' }, fence: { N: '7' } } }));
    expect(await first.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });

    const second = startLocal(['--json', '--data-dir', dataDir]);
    const after = clients(await second.nextJson<Endpoints>());
    const current = await after.secretsManager.send(new GetSecretValueCommand({ SecretId: 'durable/token' }));
    expect(current).toMatchObject({ SecretString: 'two', VersionId: put.VersionId });
    const item = await after.dynamodb.send(new GetItemCommand({ TableName: 'durable-locks', Key: { pk: { S: 'lock' } }, ConsistentRead: true }));
    expect(item.Item?.fence).toEqual({ N: '7' });
  });

  it('refuses a port outside 0–65535 with a message that names the option', async () => {
    const child = startLocal(['--dynamodb-port', '70000']);
    const exit = await child.exited;
    expect(exit.code).not.toBe(0);
    expect(child.stderr()).toContain("option '--dynamodb-port <port>' argument '70000' is invalid");
  });
});
