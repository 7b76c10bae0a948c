import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { failure, SecretsManagerServiceError, type OperationName, type Throttle, type WireResponse } from '../../src/local/index.js';
import type { VirtualScheduler } from './scheduler.js';

/** Calls served by the in-process emulator, by operation, with throttled calls and errors. */
export interface InProcessCallCounts {
  operations: Record<string, number>;
  throttled: number;
  errors: Record<string, number>;
}

/** Options for {@link inProcessSecretsManagerClient}. */
export interface InProcessSecretsManagerOptions {
  /** `(target, body) => response`: the emulator's `createDispatcher(model)`. */
  dispatch: (target: string | undefined, body: string) => WireResponse;
  scheduler: VirtualScheduler;
  /** Round-trip latency of one call in virtual ms. */
  latencyMs: number;
  /** The emulator's rate limiter on virtual time; none when absent. */
  throttle?: Throttle;
  counts: InProcessCallCounts;
  /** The Region the client is for (its SigV4 scope). Default `us-east-1`. */
  region?: string;
  /** Runs before each request reaches the service (the replication hub's pump, the lag of the next copy). */
  beforeDispatch?: (operation: string) => void;
  /**
   * While this returns a number, the service's Region is unreachable: the call fails after that
   * many virtual ms with a network error (`TimeoutError`, as the SDK reports a connect timeout),
   * and nothing is applied.
   */
  unreachableFor?: () => number | undefined;
}

/**
 * The official `SecretsManagerClient` with a request handler that hands each signed request to the
 * emulator's wire layer in this process — no socket — and answers after `latencyMs` of virtual
 * time. The client's own serialization, signing and error parsing all run as they do over HTTP.
 * SDK retries are off (`maxAttempts: 1`): their back-off sleeps on real timers, which would leak out
 * of virtual time.
 *
 * @example
 * ```ts
 * const client = inProcessSecretsManagerClient({ dispatch: createDispatcher(model), scheduler, latencyMs: 3, counts });
 * await client.send(new GetSecretValueCommand({ SecretId: 'app/token' }));
 * ```
 */
export function inProcessSecretsManagerClient(options: InProcessSecretsManagerOptions): SecretsManagerClient {
  const { counts } = options;
  const handle = (request: { headers: Record<string, string>; body?: unknown }): Promise<{ response: unknown }> => {
    const target = request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'];
    const operation = (target ?? '').replace(/^secretsmanager\./, '');
    counts.operations[operation] = (counts.operations[operation] ?? 0) + 1;
    const raw = request.body as string | Uint8Array | undefined;
    // Copy the bytes themselves: Buffer.from(object) would go through the SDK body's valueOf().
    const body = typeof raw === 'string' ? raw : raw === undefined ? '' : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
    const unreachableMs = options.unreachableFor?.();
    if (unreachableMs !== undefined) {
      return new Promise((_, reject) => {
        options.scheduler.after(unreachableMs, () => {
          counts.errors[`${operation}:Unreachable`] = (counts.errors[`${operation}:Unreachable`] ?? 0) + 1;
          reject(
            Object.assign(new Error(`connect ETIMEDOUT: Region ${options.region ?? 'us-east-1'} is unreachable`), {
              name: 'TimeoutError',
              code: 'ETIMEDOUT',
            }),
          );
        });
      });
    }
    return new Promise((resolve) => {
      // The call reaches the service halfway through the round trip and is answered at its end.
      options.scheduler.after(options.latencyMs / 2, () => {
        options.beforeDispatch?.(operation);
        let answer: WireResponse;
        if (options.throttle !== undefined && !options.throttle.admit(operation as OperationName)) {
          counts.throttled += 1;
          answer = failure(new SecretsManagerServiceError('ThrottlingException', 'Rate exceeded'));
        } else {
          answer = options.dispatch(target, body);
        }
        if (answer.statusCode >= 300) {
          const type = answer.headers['x-amzn-errortype'] ?? 'Unknown';
          counts.errors[`${operation}:${type}`] = (counts.errors[`${operation}:${type}`] ?? 0) + 1;
        }
        options.scheduler.after(options.latencyMs / 2, () =>
          resolve({ response: { statusCode: answer.statusCode, reason: '', headers: { ...answer.headers }, body: Buffer.from(answer.body) } }),
        );
      });
    });
  };
  return new SecretsManagerClient({
    region: options.region ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    endpoint: 'http://secretsmanager.in-process.invalid',
    maxAttempts: 1,
    requestHandler: {
      handle,
      updateHttpClientConfig() {},
      httpHandlerConfigs: () => ({}),
    } as never,
  });
}
