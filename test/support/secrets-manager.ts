import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  startSecretsManagerEmulator,
  throttleGroups,
  type RunningSecretsManagerEmulator,
  type SecretsManagerEmulatorOptions,
  type ThrottleGroupName,
} from '../../src/local/secrets-manager/index.js';
import { LOCAL_AWS } from './dynamodb.js';

/** Every throttle group off: conformance tests issue bursts that are not what they test. */
export const NO_THROTTLE = Object.fromEntries(Object.keys(throttleGroups).map((name) => [name, 0])) as Record<ThrottleGroupName, number>;

/** An emulator on loopback and SDK clients pointed at it, for one test file. */
export interface EmulatorUnderTest {
  emulator: RunningSecretsManagerEmulator;
  endpoint: string;
  /**
   * The official SDK client, with `maxAttempts: 1` unless told otherwise (the SDK retries
   * LimitExceededException), in us-east-1 unless another `region` is named (its credential scope
   * picks the emulator's Region).
   */
  client(options?: { maxAttempts?: number; region?: string }): SecretsManagerClient;
  /** A raw awsJson1_1 call, for wire-level rules the SDK hides. */
  raw(target: string | undefined, body: string, init?: { method?: string; path?: string }): Promise<RawAnswer>;
  /** A JSON call to an `/_emulator/*` route. */
  control(method: string, route: string, body?: unknown): Promise<RawAnswer>;
  close(): Promise<void>;
}

/** A raw HTTP answer. */
export interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

/**
 * Starts an emulator (unthrottled unless the options say otherwise).
 *
 * @example
 * ```ts
 * let sm: EmulatorUnderTest;
 * beforeAll(async () => { sm = await startEmulatorUnderTest(); });
 * afterAll(() => sm.close());
 * ```
 */
export async function startEmulatorUnderTest(options: SecretsManagerEmulatorOptions = {}): Promise<EmulatorUnderTest> {
  const emulator = await startSecretsManagerEmulator({ rateLimits: NO_THROTTLE, ...options });
  const clients: SecretsManagerClient[] = [];
  const request = async (method: string, path: string, headers: Record<string, string>, body: string | undefined): Promise<RawAnswer> => {
    const response = await fetch(new URL(path, emulator.endpoint), { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = {};
    }
    return { status: response.status, headers: response.headers, text, json };
  };
  return {
    emulator,
    endpoint: emulator.endpoint,
    client(clientOptions = {}) {
      const client = new SecretsManagerClient({ ...LOCAL_AWS, endpoint: emulator.endpoint, maxAttempts: 1, ...clientOptions });
      clients.push(client);
      return client;
    },
    raw(target, body, init = {}) {
      const method = init.method ?? 'POST';
      return request(
        method,
        init.path ?? '/',
        { 'content-type': 'application/x-amz-json-1.1', ...(target === undefined ? {} : { 'x-amz-target': target }) },
        method === 'GET' ? undefined : body,
      );
    },
    control(method, route, body) {
      return request(method, `/_emulator/${route}`, { 'content-type': 'application/json' }, body === undefined ? undefined : JSON.stringify(body));
    },
    async close() {
      for (const client of clients) client.destroy();
      await emulator.close();
    },
  };
}

let nameCounter = 0;

/** A fresh secret name per test, so tests never see each other's secrets. */
export function uniqueName(prefix = 'conformance'): string {
  nameCounter += 1;
  return `${prefix}/${process.pid}/${nameCounter}`;
}

/** A 32–64 character `ClientRequestToken` that reads well in failures. */
export function token(label: string): string {
  return `${label}-${'0'.repeat(32)}`.slice(0, 64);
}
