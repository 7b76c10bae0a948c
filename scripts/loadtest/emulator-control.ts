import { TokenRefresherError } from '../../src/index.js';

/** `GET /_emulator/stats` of the Secrets Manager emulator. */
export interface EmulatorStats {
  operations: Record<string, number>;
  throttled: Record<string, number>;
  errors: Record<string, Record<string, number>>;
  droppedResponses: Record<string, number>;
}

/** One rule of `POST /_emulator/faults`. */
export interface EmulatorFaultRule {
  latencyMs?: number;
  errorRate?: number;
  failNext?: number;
  errorType?: string;
  dropResponseRate?: number;
  dropResponseNext?: number;
}

/** The emulator's test controls answered with an error. */
export class EmulatorControlError extends TokenRefresherError {}

/**
 * The load test's handle on the emulator's HTTP extras (over HTTP, so a load test against an
 * emulator in another process works the same).
 *
 * @example
 * ```ts
 * const control = new EmulatorControl(stack.secretsManagerEndpoint);
 * await control.setFaults(7, { PutSecretValue: { dropResponseRate: 0.3 } });
 * const stats = await control.stats();
 * ```
 */
export class EmulatorControl {
  readonly #endpoint: string;

  constructor(endpoint: string) {
    this.#endpoint = endpoint;
  }

  async stats(): Promise<EmulatorStats> {
    const body = (await this.#call('GET', 'stats')) as Partial<EmulatorStats>;
    return {
      operations: body.operations ?? {},
      throttled: body.throttled ?? {},
      errors: body.errors ?? {},
      droppedResponses: body.droppedResponses ?? {},
    };
  }

  /** Replaces every fault rule; `seed` makes the rates reproducible. */
  async setFaults(seed: number, operations: Record<string, EmulatorFaultRule>): Promise<void> {
    await this.#call('POST', 'faults', { seed, operations });
  }

  /** Merges `settings` into the emulator's replication between Regions (its lag, or the "paused" fault). */
  async setReplication(settings: { lagMs?: number; paused?: boolean }): Promise<{ lagMs: number; paused: boolean; pending: number }> {
    return (await this.#call('POST', 'replication', settings)) as { lagMs: number; paused: boolean; pending: number };
  }

  async #call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(new URL(`/_emulator/${path}`, this.#endpoint), {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new EmulatorControlError(`${method} /_emulator/${path} answered HTTP ${response.status}: ${text.slice(0, 300)}`);
    }
    return text === '' ? {} : JSON.parse(text);
  }
}
