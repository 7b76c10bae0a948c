import { SecretsManagerServiceError } from './errors.js';
import { operationNames, type OperationName } from './wire.js';

/**
 * Faults injected into one operation (or into every operation, under the key `*`).
 *
 * @example
 * ```ts
 * const rule: FaultRule = { errorRate: 0.2, errorType: 'ThrottlingException', errorMessage: 'Rate exceeded' };
 * ```
 */
export interface FaultRule {
  /** Milliseconds added before the operation runs. */
  latencyMs?: number;
  /** Probability (0–1) that a call fails with the error below instead of running. */
  errorRate?: number;
  /** The next N calls fail with the error below (counted down; checked before `errorRate`). */
  failNext?: number;
  /** The error's `__type`. Default `InternalServiceError`. */
  errorType?: string;
  /** The error's `Message`. Default `Injected fault.` */
  errorMessage?: string;
  /** The error's HTTP status. Default 500 for `InternalServiceError` and `ServiceUnavailable`, else 400. */
  errorStatusCode?: number;
  /** Probability (0–1) that a call is applied and its response then dropped (the client sees a reset). */
  dropResponseRate?: number;
  /** The next N calls are applied and their responses dropped (checked before `dropResponseRate`). */
  dropResponseNext?: number;
}

/**
 * The body of `POST /_emulator/faults`: it replaces all rules.
 *
 * @example
 * ```ts
 * const config: FaultConfig = { seed: 7, operations: { PutSecretValue: { dropResponseRate: 0.3 }, '*': { latencyMs: 20 } } };
 * ```
 */
export interface FaultConfig {
  /** Seed of the generator behind the rates, so a run can be replayed. Default 1. */
  seed?: number;
  /** Rules by operation name; `*` applies to operations without their own rule. */
  operations?: Partial<Record<OperationName | '*', FaultRule>>;
}

/** What to do with one call. */
export interface FaultDecision {
  readonly latencyMs: number;
  readonly error?: SecretsManagerServiceError;
  readonly dropResponse: boolean;
}

const NO_FAULT: FaultDecision = { latencyMs: 0, dropResponse: false };

/**
 * The fault injector behind `/_emulator/faults`: latency, errors and "applied, then response lost",
 * by rate (from a seeded generator, so runs are reproducible) or by count ("the next N calls").
 *
 * @example
 * ```ts
 * const faults = new FaultInjector();
 * faults.configure({ seed: 7, operations: { PutSecretValue: { dropResponseNext: 1 } } });
 * faults.decide('PutSecretValue').dropResponse; // true, once
 * ```
 */
export class FaultInjector {
  #rules = new Map<string, FaultRule>();
  #random = seededRandom(1);
  #config: FaultConfig = {};

  /** Validates and installs `config`, replacing every rule; throws a message naming the bad field. */
  configure(config: unknown): void {
    const parsed = parseFaultConfig(config);
    this.#config = structuredClone(parsed);
    this.#rules = new Map(Object.entries(parsed.operations ?? {}).map(([name, rule]) => [name, { ...rule }]));
    this.#random = seededRandom(parsed.seed ?? 1);
  }

  /** The installed rules, with counters as they stand now. */
  current(): FaultConfig {
    return { ...(this.#config.seed === undefined ? {} : { seed: this.#config.seed }), operations: Object.fromEntries(this.#rules) };
  }

  clear(): void {
    this.configure({});
  }

  /** Decides the fate of one call to `operation`, counting down `failNext` / `dropResponseNext`. */
  decide(operation: OperationName): FaultDecision {
    const rule = this.#rules.get(operation) ?? this.#rules.get('*');
    if (!rule) return NO_FAULT;
    const latencyMs = rule.latencyMs ?? 0;
    if (take(rule, 'failNext') || this.#chance(rule.errorRate)) {
      const type = rule.errorType ?? 'InternalServiceError';
      const statusCode = rule.errorStatusCode ?? (type === 'InternalServiceError' || type === 'ServiceUnavailable' ? 500 : 400);
      return { latencyMs, dropResponse: false, error: new SecretsManagerServiceError(type, rule.errorMessage ?? 'Injected fault.', { statusCode }) };
    }
    return { latencyMs, dropResponse: take(rule, 'dropResponseNext') || this.#chance(rule.dropResponseRate) };
  }

  #chance(rate: number | undefined): boolean {
    return rate !== undefined && rate > 0 && this.#random() < rate;
  }
}

function take(rule: FaultRule, counter: 'failNext' | 'dropResponseNext'): boolean {
  const remaining = rule[counter] ?? 0;
  if (remaining <= 0) return false;
  rule[counter] = remaining - 1;
  return true;
}

/**
 * A small deterministic generator (mulberry32): same seed, same sequence. A copy of the library's
 * `seededRandom` (src/shared/random.ts), kept here because the emulator never imports the library.
 */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const RULE_FIELDS: Record<keyof FaultRule, 'nonNegative' | 'probability' | 'count' | 'text' | 'status'> = {
  latencyMs: 'nonNegative',
  errorRate: 'probability',
  failNext: 'count',
  errorType: 'text',
  errorMessage: 'text',
  errorStatusCode: 'status',
  dropResponseRate: 'probability',
  dropResponseNext: 'count',
};

/** Checks a fault configuration field by field; the error names the field and what it accepts. */
function parseFaultConfig(config: unknown): FaultConfig {
  if (!isObject(config)) throw new TypeError('The fault configuration must be a JSON object: {"seed"?, "operations"?}.');
  for (const key of Object.keys(config)) {
    if (key !== 'seed' && key !== 'operations') throw new TypeError(`Unknown fault configuration field "${key}"; expected "seed" or "operations".`);
  }
  const { seed, operations } = config;
  if (seed !== undefined && !(typeof seed === 'number' && Number.isSafeInteger(seed))) {
    throw new TypeError(`"seed" must be an integer; got ${JSON.stringify(seed)}.`);
  }
  if (operations === undefined) return seed === undefined ? {} : { seed };
  if (!isObject(operations)) throw new TypeError('"operations" must be an object of rules by operation name.');
  const rules: Record<string, FaultRule> = {};
  for (const [name, rule] of Object.entries(operations)) {
    if (name !== '*' && !operationNames.includes(name as OperationName)) {
      throw new TypeError(`"operations.${name}" is not an operation the emulator serves; use one of ${operationNames.join(', ')} or "*".`);
    }
    if (!isObject(rule)) throw new TypeError(`"operations.${name}" must be an object.`);
    for (const [field, value] of Object.entries(rule)) {
      const kind = RULE_FIELDS[field as keyof FaultRule];
      if (kind === undefined) {
        throw new TypeError(`Unknown fault field "operations.${name}.${field}"; expected one of ${Object.keys(RULE_FIELDS).join(', ')}.`);
      }
      if (!validField(kind, value)) throw new TypeError(`"operations.${name}.${field}" must be ${describe(kind)}; got ${JSON.stringify(value)}.`);
    }
    rules[name] = rule as FaultRule;
  }
  return { ...(seed === undefined ? {} : { seed }), operations: rules };
}

function validField(kind: (typeof RULE_FIELDS)[keyof FaultRule], value: unknown): boolean {
  switch (kind) {
    case 'nonNegative':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 600_000;
    case 'probability':
      return typeof value === 'number' && value >= 0 && value <= 1;
    case 'count':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
    case 'text':
      return typeof value === 'string' && value.length > 0 && value.length <= 1024;
    case 'status':
      return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599;
  }
}

function describe(kind: (typeof RULE_FIELDS)[keyof FaultRule]): string {
  switch (kind) {
    case 'nonNegative':
      return 'a number of milliseconds from 0 to 600000';
    case 'probability':
      return 'a probability from 0 to 1';
    case 'count':
      return 'a whole number ≥ 0';
    case 'text':
      return 'a non-empty string of at most 1024 characters';
    case 'status':
      return 'an HTTP status from 400 to 599';
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
