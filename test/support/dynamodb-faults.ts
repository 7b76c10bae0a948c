import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  ReplicatedWriteConflictException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { seededRandom } from '../../src/shared/random.js';

/**
 * Fault injection and request counting between the official SDK client and the server, as SDK
 * middleware. Faults of `scope: 'attempt'` act on each HTTP attempt inside the SDK's retry loop (the
 * SDK sees them and retries, as it would a real network fault); `scope: 'call'` acts on the whole
 * command after the SDK's retries (the caller sees it).
 *
 * - `dropResponse`: the request reaches the server and is applied, then the response is lost (TimeoutError).
 * - `serverError`: a 500 InternalServerError without reaching the server.
 * - `throttle`: a ProvisionedThroughputExceededException without reaching the server.
 * - `latency`: `latencyMs` of delay before the request is sent.
 * - `writeConflict`: a ReplicatedWriteConflictException without reaching the server, as a global
 *   table in multi-Region strong consistency answers a write that met one from another Region
 *   (`rival`, when given, is that other Region's write, and lands first).
 */
export type FaultKind = 'dropResponse' | 'serverError' | 'throttle' | 'latency' | 'writeConflict';

export interface FaultRule {
  kind: FaultKind;
  /** Operation names without the `Command` suffix (`UpdateItem`, `GetItem`); all when omitted. */
  operation?: string | readonly string[];
  /** Chance of injecting per matching attempt (seeded). Default 1. */
  probability?: number;
  /** Stop after this many injections. Default unlimited. */
  times?: number;
  /** `attempt` (default): inside the SDK retry loop; `call`: around the whole command. */
  scope?: 'attempt' | 'call';
  /** For `latency`. */
  latencyMs?: number;
  /** For `writeConflict`: the other Region's write, run before the conflict is answered. */
  rival?: () => Promise<unknown>;
  /** Only inputs this accepts (e.g. writes with a given condition). */
  when?: (input: Record<string, unknown>) => boolean;
}

export interface DynamoDbFaults {
  /** Adds a rule; the returned function removes it. */
  add(rule: FaultRule): () => void;
  clear(): void;
  /** HTTP requests that reached the server, by operation. */
  readonly requests: Readonly<Record<string, number>>;
  /** Commands sent through the client (one per `send`, whatever the retries), by operation. */
  readonly calls: Readonly<Record<string, number>>;
  /** Faults injected, by kind. */
  readonly injected: Readonly<Record<FaultKind, number>>;
  /** Sum of `requests`, over the given operations or all. */
  total(...operations: string[]): number;
  resetCounts(): void;
}

interface ActiveRule extends FaultRule {
  remaining: number;
}

/**
 * Installs the fault and counting middleware on `client` (once; later calls return the same controller).
 *
 * @example
 * ```ts
 * const faults = injectDynamoDbFaults(client, { seed: 7 });
 * faults.add({ kind: 'dropResponse', operation: 'UpdateItem', times: 1 });
 * await lock.tryAcquire('a');
 * expect(faults.total('UpdateItem')).toBe(2);
 * ```
 */
export function injectDynamoDbFaults(client: DynamoDBClient, options: { seed?: number } = {}): DynamoDbFaults {
  const existing = installed.get(client);
  if (existing !== undefined) return existing;
  const random = seededRandom(options.seed ?? 1);
  const rules: ActiveRule[] = [];
  const requests: Record<string, number> = {};
  const calls: Record<string, number> = {};
  const injected: Record<FaultKind, number> = { dropResponse: 0, serverError: 0, throttle: 0, latency: 0, writeConflict: 0 };

  const pick = (scope: 'attempt' | 'call', operation: string, input: Record<string, unknown>): ActiveRule[] =>
    rules.filter((rule) => {
      if ((rule.scope ?? 'attempt') !== scope || rule.remaining <= 0) return false;
      if (rule.operation !== undefined && !([] as string[]).concat(rule.operation).includes(operation)) return false;
      if (rule.when !== undefined && !rule.when(input)) return false;
      if (random() >= (rule.probability ?? 1)) return false;
      rule.remaining -= 1;
      injected[rule.kind] += 1;
      return true;
    });

  const run = async (chosen: ActiveRule[], operation: string, forward: () => Promise<unknown>, count: boolean): Promise<unknown> => {
    for (const rule of chosen) {
      if (rule.kind === 'latency') await new Promise((resolve) => setTimeout(resolve, rule.latencyMs ?? 0));
    }
    if (chosen.some((rule) => rule.kind === 'throttle')) {
      throw new ProvisionedThroughputExceededException({ message: 'injected throttling', $metadata: { httpStatusCode: 400 } });
    }
    const conflict = chosen.find((rule) => rule.kind === 'writeConflict');
    if (conflict !== undefined) {
      await conflict.rival?.();
      throw new ReplicatedWriteConflictException({
        message: 'injected: the item is being modified by a request in another Region',
        $metadata: { httpStatusCode: 400 },
      });
    }
    if (chosen.some((rule) => rule.kind === 'serverError')) {
      throw new InternalServerError({ message: 'injected server error', $metadata: { httpStatusCode: 500 } });
    }
    if (count) requests[operation] = (requests[operation] ?? 0) + 1;
    const output = await forward();
    if (chosen.some((rule) => rule.kind === 'dropResponse')) {
      const error = new Error('injected: response lost after the request was applied');
      error.name = 'TimeoutError';
      throw error;
    }
    return output;
  };

  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = operationOf(context.commandName);
      calls[operation] = (calls[operation] ?? 0) + 1;
      const chosen = pick('call', operation, args.input as Record<string, unknown>);
      return (await run(chosen, operation, () => next(args), false)) as Awaited<ReturnType<typeof next>>;
    },
    { step: 'initialize', priority: 'high', name: 'testFaultsPerCall' },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = operationOf(context.commandName);
      const chosen = pick('attempt', operation, args.input as Record<string, unknown>);
      return (await run(chosen, operation, () => next(args), true)) as Awaited<ReturnType<typeof next>>;
    },
    { step: 'finalizeRequest', priority: 'low', name: 'testFaultsPerAttempt' },
  );

  const faults: DynamoDbFaults = {
    add(rule) {
      const active: ActiveRule = { ...rule, remaining: rule.times ?? Infinity };
      rules.push(active);
      return () => {
        const index = rules.indexOf(active);
        if (index >= 0) rules.splice(index, 1);
      };
    },
    clear() {
      rules.length = 0;
    },
    requests,
    calls,
    injected,
    total(...operations) {
      return Object.entries(requests)
        .filter(([operation]) => operations.length === 0 || operations.includes(operation))
        .reduce((sum, [, count]) => sum + count, 0);
    },
    resetCounts() {
      for (const record of [requests, calls]) for (const key of Object.keys(record)) delete record[key];
      for (const kind of Object.keys(injected) as FaultKind[]) injected[kind] = 0;
    },
  };
  installed.set(client, faults);
  return faults;
}

/** One installation per client: a second call returns the first (middleware names are unique per stack). */
const installed = new WeakMap<DynamoDBClient, DynamoDbFaults>();

function operationOf(commandName: unknown): string {
  return String(commandName ?? 'Unknown').replace(/Command$/, '');
}
