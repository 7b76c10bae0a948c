import { ConfigurationError } from '../../src/index.js';
import { DEFAULT_PRICES, type Prices } from './prices.js';
import { IDP_KINDS, type IdpKind, STRATEGY_NAMES, type StrategyName } from './strategies/types.js';

/** The faults a run can inject; `none` is the healthy baseline. */
export const FAULT_NAMES = [
  'none',
  'kill-holder',
  'pause-holder',
  'slow-idp',
  'idp-errors',
  'sm-throttle',
  'drop-response',
  'replication-paused',
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];
/** What `-f all` runs: every fault of a single Region (`replication-paused` needs `--regions` and is named). */
export const ALL_FAULTS_SHORTHAND: readonly FaultName[] = FAULT_NAMES.filter((name) => name !== 'replication-paused');

/**
 * Who the locked strategy's callers are: Node processes calling `getToken()` (`node`), processes in
 * any language reading through the Agent API of a Lambda extension or sidecar (`extension`), or
 * both, every other worker process being an extension client (`mixed`).
 */
export const CLIENT_KINDS = ['node', 'extension', 'mixed'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

/** Everything a load test can be told; see {@link resolveLoadTestOptions} for the defaults. */
export interface LoadTestOptions {
  strategies: StrategyName[];
  faults: FaultName[];
  /** Worker processes. */
  processes: number;
  /** Who the locked strategy's callers are (the baselines always call in-process). */
  clients: ClientKind;
  /** Concurrent callers per process. */
  concurrency: number;
  /** The identity provider's refresh-token rule: `rotating` revokes the grant when a refresh token is used twice. */
  idp: IdpKind;
  /**
   * `kill-holder` under a rotating provider: each strike kills the holder this long at most after the
   * provider answered (uniformly, seeded), so kills land before and after its state write (ms).
   */
  killSpreadMs: number;
  /** Token lifetime (ms). */
  lifetimeMs: number;
  /** Length of each run (ms). */
  durationMs: number;
  /** Pause between two calls of one caller (ms). */
  thinkMs: number;
  /** Lease of the locked strategy (ms). */
  leaseMs: number;
  /** Minimum remaining validity of a served token (ms). */
  minValidityMs: number;
  /** Refresh window at the end of a token's life (ms). */
  refreshWindowMs: number;
  /** Width of a chart time bin (ms). */
  binMs: number;
  seed: number;
  /** `local` starts dynalite and the emulator; `aws` uses whatever the SDK's configuration points at. */
  target: 'local' | 'aws';
  /** Secret to use on AWS (a fresh name per run is derived from it); on local a fresh one is made. */
  secretPrefix: string;
  /** Lock table (created when missing). */
  lockTable: string;
  /** The emulator's write throttle, like AWS's 50 TPS. */
  writeRatePerSecond: number;
  /** Added IdP latency of the `slow-idp` fault (ms). */
  slowIdpMs: number;
  /** Rate of injected Secrets Manager faults in `sm-throttle` and `drop-response` (0..1). */
  faultRate: number;
  prices: Prices;
  /** Folder for the JSON report and the SVG chart. */
  outDir: string;
  /** Live progress on the terminal. */
  progress: boolean;
  /**
   * Several Regions on the local emulator: worker i runs in `regions[i % n]`, reading that Region's
   * replica; the first is the primary (the secret's writes and the lease table). Empty: one Region.
   */
  regions: string[];
  /** With `regions`: the emulator's lag between a primary write and its arrival at each replica (ms). */
  replicationLagMs: number;
  /** Test-only seams that break a guarantee on purpose, to show that the checks catch it. Never set in a real run. */
  testSeams: {
    /** Rotating provider: once the fleet rotated the seeded refresh token, a leaked copy presents it again and revokes the grant. */
    replaySeededRefreshToken?: boolean;
  };
}

/**
 * The default replication lag of a multi-Region run. Secrets Manager documents no figure; the
 * fleet simulation assumes 1–5 s per change (`scripts/simulate/region-latency.ts`). The emulator's
 * lag is one fixed value, and the load test's tokens live 10 s, not an hour: 1 s is the low end of
 * that range and still a tenth of a lifetime, so replicas are seen behind at every refresh.
 */
export const DEFAULT_LOADTEST_REPLICATION_LAG_MS = 1_000;

const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** Defaults around the numbers: P=8, C=50, L=10 s, D=60 s. */
export function resolveLoadTestOptions(given: Partial<LoadTestOptions> = {}): LoadTestOptions {
  const lifetimeMs = given.lifetimeMs ?? 10_000;
  positive('lifetimeMs', lifetimeMs, 1_000);
  const options: LoadTestOptions = {
    strategies: given.strategies ?? [...STRATEGY_NAMES],
    faults: given.faults ?? ['none'],
    processes: given.processes ?? 8,
    clients: given.clients ?? 'node',
    concurrency: given.concurrency ?? 50,
    idp: given.idp ?? 'plain',
    killSpreadMs: given.killSpreadMs ?? 40,
    lifetimeMs,
    durationMs: given.durationMs ?? 60_000,
    thinkMs: given.thinkMs ?? 10,
    leaseMs: given.leaseMs ?? Math.min(10_000, Math.max(1_000, Math.round(lifetimeMs / 5))),
    minValidityMs: given.minValidityMs ?? Math.min(30_000, Math.round(lifetimeMs / 10)),
    refreshWindowMs: given.refreshWindowMs ?? Math.min(300_000, Math.round(lifetimeMs / 2)),
    binMs: given.binMs ?? 1_000,
    seed: given.seed ?? 1,
    target: given.target ?? 'local',
    secretPrefix: given.secretPrefix ?? 'token-refresher-loadtest',
    lockTable: given.lockTable ?? 'token-refresher-loadtest-locks',
    writeRatePerSecond: given.writeRatePerSecond ?? 50,
    slowIdpMs: given.slowIdpMs ?? 0,
    faultRate: given.faultRate ?? 0.3,
    prices: { ...DEFAULT_PRICES, ...given.prices },
    outDir: given.outDir ?? 'reports/loadtest',
    progress: given.progress ?? false,
    regions: given.regions ?? [],
    replicationLagMs: given.replicationLagMs ?? DEFAULT_LOADTEST_REPLICATION_LAG_MS,
    testSeams: given.testSeams ?? {},
  };
  if (options.slowIdpMs === 0) options.slowIdpMs = Math.round(options.leaseMs / 2);
  validate(options);
  return options;
}

function validate(options: LoadTestOptions): void {
  if (options.strategies.length === 0) throw new ConfigurationError('strategies: name at least one strategy.');
  for (const name of options.strategies) {
    if (!STRATEGY_NAMES.includes(name)) {
      throw new ConfigurationError(`strategies: unknown strategy "${name}"; use ${STRATEGY_NAMES.join(', ')}.`);
    }
  }
  if (options.faults.length === 0) throw new ConfigurationError('faults: name at least one fault (or none).');
  for (const name of options.faults) {
    if (!FAULT_NAMES.includes(name)) {
      throw new ConfigurationError(`faults: unknown fault "${name}"; use ${FAULT_NAMES.join(', ')}.`);
    }
  }
  if (!IDP_KINDS.includes(options.idp)) {
    throw new ConfigurationError(`idp: unknown identity provider "${String(options.idp)}"; use ${IDP_KINDS.join(', ')}.`);
  }
  if (options.idp === 'rotating' && options.target !== 'local' && options.faults.includes('kill-holder')) {
    throw new ConfigurationError('kill-holder with a rotating identity provider runs on the local stack only (--target local).');
  }
  nonNegative('killSpreadMs', options.killSpreadMs);
  if (!CLIENT_KINDS.includes(options.clients)) {
    throw new ConfigurationError(`clients: unknown client kind "${String(options.clients)}"; use ${CLIENT_KINDS.join(', ')}.`);
  }
  integer('processes', options.processes, 1, 64);
  integer('concurrency', options.concurrency, 1, 10_000);
  positive('durationMs', options.durationMs, 1_000);
  positive('leaseMs', options.leaseMs, 200);
  nonNegative('thinkMs', options.thinkMs);
  nonNegative('minValidityMs', options.minValidityMs);
  positive('binMs', options.binMs, 50);
  nonNegative('writeRatePerSecond', options.writeRatePerSecond);
  nonNegative('slowIdpMs', options.slowIdpMs);
  if (!(options.faultRate >= 0 && options.faultRate <= 1)) {
    throw new ConfigurationError(`faultRate must be between 0 and 1; got ${options.faultRate}.`);
  }
  if (!(options.refreshWindowMs > options.minValidityMs && options.refreshWindowMs <= options.lifetimeMs / 2)) {
    throw new ConfigurationError(
      `refreshWindowMs must be above minValidityMs (${options.minValidityMs}) and at most half the lifetime ` +
        `(${options.lifetimeMs / 2}); got ${options.refreshWindowMs}.`,
    );
  }
  if (options.leaseMs >= options.refreshWindowMs - options.minValidityMs) {
    throw new ConfigurationError(
      `leaseMs (${options.leaseMs}) must be shorter than the refresh window minus the minimum validity ` +
        `(${options.refreshWindowMs - options.minValidityMs} ms), or a takeover after a crash cannot finish ` +
        'before the token expires; lower --lease-ms or raise --lifetime.',
    );
  }
  validateRegions(options);
  for (const [key, value] of Object.entries(options.prices)) {
    if (typeof value === 'number' && !(Number.isFinite(value) && value >= 0)) {
      throw new ConfigurationError(`prices.${key} must be a price ≥ 0 in USD; got ${value}.`);
    }
  }
}

function validateRegions(options: LoadTestOptions): void {
  nonNegative('replicationLagMs', options.replicationLagMs);
  if (options.faults.includes('replication-paused') && options.regions.length < 2) {
    throw new ConfigurationError('The replication-paused fault needs --regions with at least two Regions: it holds back the replicas.');
  }
  if (options.regions.length === 0) return;
  for (const region of options.regions) {
    if (!REGION_NAME.test(region)) throw new ConfigurationError(`regions: "${region}" is not an AWS Region name such as eu-west-1.`);
  }
  if (new Set(options.regions).size !== options.regions.length) {
    throw new ConfigurationError(`regions must not repeat a Region; got ${options.regions.join(', ')}.`);
  }
  if (options.regions.length < 2) throw new ConfigurationError('regions: name at least two Regions (the first is the primary), or none.');
  if (options.target !== 'local') {
    throw new ConfigurationError('regions run on the local emulator only (--target local): it replicates with the injected lag.');
  }
  if (options.processes < options.regions.length) {
    throw new ConfigurationError(`processes (${options.processes}) must be at least one per Region (${options.regions.length}).`);
  }
  if (options.strategies.includes('locked') && options.clients !== 'node') {
    throw new ConfigurationError('regions: the locked strategy runs with --clients node (the Agent API client has no primaryRegion here).');
  }
  if (options.idp === 'rotating') throw new ConfigurationError('regions: run with --idp plain (the rotating provider is a single-Region run).');
}

function integer(name: string, value: number, min: number, max: number): void {
  if (!(Number.isInteger(value) && value >= min && value <= max)) {
    throw new ConfigurationError(`${name} must be a whole number from ${min} to ${max}; got ${value}.`);
  }
}

function positive(name: string, value: number, min: number): void {
  if (!(Number.isFinite(value) && value >= min)) {
    throw new ConfigurationError(`${name} must be at least ${min} ms; got ${value}.`);
  }
}

function nonNegative(name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new ConfigurationError(`${name} must be a number ≥ 0; got ${value}.`);
  }
}
