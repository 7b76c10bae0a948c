import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '../../src/refresher/index.js';
import { clientsFor, makeRig, recorder, startRefresherStack, type RefresherStack } from './harness.js';

const HOUR = 3_600_000;

/** Everything an error exposes: name, message, stack and the whole cause chain. */
function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 10; depth += 1) {
    parts.push(current.name, current.message, current.stack ?? '', JSON.stringify(current));
    current = current.cause;
  }
  return parts.join('\n');
}

describe('Class: TokenRefresher (no token leaves its place, G9)', () => {
  let stack: RefresherStack;
  beforeAll(async () => {
    stack = await startRefresherStack();
  });
  afterAll(() => stack.close());

  it('never puts a token in a log line, an event, an error, a status report or the lock table', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const record = recorder();
    const rig = makeRig(stack, { secretId, lockTable, logger: record.logger, onEvent: record.onEvent, refreshTimeoutMs: 300 });
    const captured: string[] = [];

    await rig.refresher.getToken();
    await rig.refresher.getToken();
    rig.clock.advance(HOUR - 150_000 + 1_000);
    await rig.refresher.getToken();
    await record.next('refreshed', 2);
    const current = await rig.refresher.getToken();
    rig.refresher.invalidate(current.token);
    await rig.refresher.getToken();
    const doomed = `tok-rejected-${Date.now()}`;
    rig.issuer.behave(() => ({ token: doomed, expiresAt: 12 })); // garbage: epoch 12 ms
    captured.push(errorText(await rig.refresher.refreshNow().catch((error: unknown) => error)));
    rig.issuer.behave(({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))));
    rig.clock.advance(2 * HOUR);
    captured.push(errorText(await rig.refresher.refreshNow().catch((error: unknown) => error)));
    rig.clock.advance(2 * HOUR);
    rig.issuer.behave(() => Promise.reject(new Error('provider said no')));
    captured.push(errorText(await rig.refresher.getToken().catch((error: unknown) => error)));

    const handWritten = stack.secretName();
    const { secretsManager, dynamodb } = clientsFor(stack);
    await secretsManager.send(new CreateSecretCommand({ Name: handWritten, SecretString: 'hand-written-secret-value' }));
    const foreign = makeRig(stack, { secretId: handWritten, lockTable, logger: record.logger, onEvent: record.onEvent });
    captured.push(errorText(await foreign.refresher.getToken().catch((error: unknown) => error)));
    captured.push(JSON.stringify(await status({ secretId, lockTable, secretsManager, dynamodb })));
    captured.push(JSON.stringify(await status({ secretId: handWritten, lockTable, secretsManager, dynamodb })));
    captured.push(JSON.stringify((await dynamodb.send(new ScanCommand({ TableName: lockTable }))).Items));

    const secrets = [...rig.issuer.minted, doomed, 'hand-written-secret-value'];
    expect(rig.issuer.minted.length).toBeGreaterThanOrEqual(3);
    expect(record.events.length).toBeGreaterThan(10);
    expect(record.logs.length).toBeGreaterThan(5);
    const everything = [...captured, ...record.logs, ...record.events.map((event) => JSON.stringify(event))].join('\n');
    for (const secret of secrets) expect(everything).not.toContain(secret);
    expect(everything).toContain('RefreshTimeoutError'); // the scan covered the failures
    expect(everything).toContain('InvalidSecretPayloadError');
    await Promise.all([rig.refresher.close(), foreign.refresher.close()]);
  });

  it("keeps a secret out of the error when a custom codec's JSON.parse quotes it", async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const { secretsManager, dynamodb } = clientsFor(stack);
    const raw = `not-json-secret-${Date.now()}`;
    await secretsManager.send(new CreateSecretCommand({ Name: secretId, SecretString: raw }));
    const codec = {
      format: 'a JSON object {"access_token": string, "expires_at": epoch seconds}',
      encode: (envelope: { token: string; expiresAt: number }) =>
        JSON.stringify({ access_token: envelope.token, expires_at: envelope.expiresAt / 1000 }),
      decode: (value: string) => {
        const parsed = JSON.parse(value) as { access_token: string; expires_at: number };
        return { token: parsed.access_token, expiresAt: parsed.expires_at * 1000 };
      },
    };
    const rig = makeRig(stack, { secretId, lockTable, codec });

    const error = await rig.refresher.getToken().catch((caught: unknown) => caught);
    const report = JSON.stringify(await status({ secretId, lockTable, secretsManager, dynamodb, codec }));

    expect(errorText(error)).toContain('InvalidSecretPayloadError');
    expect(errorText(error)).toContain('the value is not valid JSON');
    expect(report).toContain('the value is not valid JSON');
    expect(`${errorText(error)}\n${report}`).not.toContain(raw.slice(0, 10));
    await rig.refresher.close();
  });
  it("names a failing refresh function's error in messages only when its name is a plain identifier", async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const record = recorder();
    const rig = makeRig(stack, { secretId, lockTable, onEvent: record.onEvent });
    const leaked = `leaked-token-${Date.now()}`;
    rig.issuer.behave(() => {
      const error = new Error('provider refused');
      error.name = `BadResponse ${leaked}`;
      return Promise.reject(error);
    });
    const failure = await rig.refresher.getToken().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain('The refresh function threw Error: provider refused');
    const { dynamodb } = clientsFor(stack);
    const items = JSON.stringify((await dynamodb.send(new ScanCommand({ TableName: lockTable }))).Items);
    expect(items).toContain('failureError');
    expect(record.of('refresh-failed')).toHaveLength(1);
    expect(`${(failure as Error).message}\n${items}\n${JSON.stringify(record.events)}`).not.toContain(leaked);
    await rig.refresher.close();
  });
});
