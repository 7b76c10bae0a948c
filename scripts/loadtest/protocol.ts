import type { SerializedHistogram } from './histogram.js';
import type { SdkCallCounts, SeenVersion } from '../../devkit/sdk-counters.js';
import type { IdpKind, StrategyActivity, StrategyName, TokenSource } from './strategies/types.js';

/** Everything a worker process needs, passed as JSON in {@link WORKER_CONFIG_VARIABLE}. */
export interface WorkerConfig {
  index: number;
  strategy: StrategyName;
  /** The locked strategy's callers read through the Agent API of an extension in this process. */
  extensionClient: boolean;
  secretId: string;
  lockTable: string;
  issuerUrl: string;
  /** The identity provider's refresh-token rule. */
  idp: IdpKind;
  /** The locked strategy's state secret under a rotating provider. */
  stateSecretId?: string;
  lifetimeMs: number;
  leaseMs: number;
  pollMs: number;
  minValidityMs: number;
  refreshWindowMs: number;
  concurrency: number;
  durationMs: number;
  /** Pause between two calls of one caller (the caller "uses" the token). */
  thinkMs: number;
  /** Width of a time bin of the chart. */
  binMs: number;
  /** How often the worker sends what it has to the harness. */
  reportEveryMs: number;
  seed: number;
  /** Several Regions: this process's Region, whose replica it reads (absent: the SDK's default Region). */
  region?: string;
  /** Several Regions: the secret's primary Region (its writes, the lease table), when not `region`. */
  primaryRegion?: string;
  /** Several Regions: the lag the locked strategy's refresher is told to expect (`replicationLagMs`). */
  replicationLagMs?: number;
}

/** The environment variable that carries the {@link WorkerConfig}. */
export const WORKER_CONFIG_VARIABLE = 'LOADTEST_WORKER_CONFIG';

/** Calls, latency and served validity within one time bin of one worker. */
export interface WorkerBin {
  /** Bin start, epoch ms (a multiple of `binMs` after `startAt`). */
  start: number;
  calls: number;
  errors: number;
  latency: SerializedHistogram;
}

/**
 * A report from a worker. Counters are cumulative; `bins`, `activities`, `firstServed` and
 * `versions` hold only what is new since the previous report, so reports stay small.
 */
export interface WorkerReport {
  type: 'progress' | 'done';
  index: number;
  pid: number;
  calls: number;
  errors: Record<string, number>;
  sources: Record<TokenSource, number>;
  /** Tokens served whose own expiry had passed. */
  servedExpired: number;
  /** Tokens served with less than the minimum validity left (expired ones included). */
  servedBelowMinValidity: number;
  /** The least remaining validity of any token served (ms); `null` before the first one. */
  minRemainingMs: number | null;
  /** Tokens served that were older (lower sequence) than one this process had already served. */
  olderAfterNewer: number;
  latency: SerializedHistogram;
  /** Latency of calls answered from memory: callers that already had a valid token. */
  latencyWhileValid: SerializedHistogram;
  sdk: SdkCallCounts;
  /**
   * The SDK counts at the moment this worker served its first token: what its cold start cost.
   * `null` until then. Steady-state costs are `sdk` minus these.
   */
  sdkAtFirstToken: SdkCallCounts | null;
  /** Several Regions: this process's Region (absent in a single-Region run). */
  region?: string;
  /**
   * Several Regions: the calls this process sent to the primary Region's Secrets Manager from
   * another Region (already counted in `sdk` too). Absent in the primary Region and single-Region runs.
   */
  sdkToPrimary?: SdkCallCounts;
  bins: WorkerBin[];
  activities: StrategyActivity[];
  /** `[tokenSeq, epochMs]` when this worker first served each token. */
  firstServed: Array<[number, number]>;
  versions: SeenVersion[];
}

/** A worker has loaded and waits for `start`. */
export interface WorkerReady {
  type: 'ready';
  index: number;
  pid: number;
}

/** Everything a worker sends. */
export type WorkerMessage = WorkerReady | WorkerReport;

/**
 * What the harness sends: `start` once every worker is ready, with the epoch ms at which all begin
 * calling, so the fleet starts together.
 */
export type HarnessMessage = { type: 'start'; startAt: number };
