import type { OperationName } from './wire.js';

/**
 * What `GET /_emulator/stats` returns. Counts are per operation since start or the last reset.
 *
 * @example
 * ```ts
 * const stats = (await (await fetch(`${endpoint}/_emulator/stats`)).json()) as EmulatorStatsSnapshot;
 * stats.operations.PutSecretValue;
 * ```
 */
export interface EmulatorStatsSnapshot {
  /** Every call received, whatever its outcome. */
  operations: Record<string, number>;
  /** Calls answered with `ThrottlingException` by the rate limiter. */
  throttled: Record<string, number>;
  /** Error answers by operation and error type (throttling and injected faults included). */
  errors: Record<string, Record<string, number>>;
  /** Calls that were applied and whose response was then dropped by an injected fault. */
  droppedResponses: Record<string, number>;
}

/**
 * Per-operation counters for load tests (G6 counts calls; the reports show throttling and errors).
 *
 * @example
 * ```ts
 * const stats = new EmulatorStats();
 * stats.received('GetSecretValue');
 * stats.snapshot().operations.GetSecretValue; // 1
 * ```
 */
export class EmulatorStats {
  #data: EmulatorStatsSnapshot = emptySnapshot();

  received(operation: OperationName | 'Unknown'): void {
    increment(this.#data.operations, operation);
  }

  throttled(operation: OperationName): void {
    increment(this.#data.throttled, operation);
  }

  failed(operation: OperationName | 'Unknown', errorType: string): void {
    this.#data.errors[operation] ??= {};
    increment(this.#data.errors[operation], errorType);
  }

  dropped(operation: OperationName): void {
    increment(this.#data.droppedResponses, operation);
  }

  /** A copy of the counters. */
  snapshot(): EmulatorStatsSnapshot {
    return structuredClone(this.#data);
  }

  reset(): void {
    this.#data = emptySnapshot();
  }
}

function emptySnapshot(): EmulatorStatsSnapshot {
  return { operations: {}, throttled: {}, errors: {}, droppedResponses: {} };
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
