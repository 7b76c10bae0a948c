import type { ClientKind, FaultName, LoadTestOptions } from './options.js';
import type { ReplicaLagObserved } from './replica-probe.js';
import type { IdpKind, StrategyName } from './strategies/types.js';

/** Percentiles of getToken latency in milliseconds. */
export interface LatencySummary {
  calls: number;
  p50: number;
  p99: number;
  max: number;
}

/** What happened to the fault a run injected. */
export interface FaultOutcome {
  kind: FaultName;
  /** Worker index hit by kill-holder / pause-holder. */
  victim?: number;
  /** When the fault struck (ms after the run started). */
  atMs?: number;
  /** For kill/pause: ms from the fault to the first token of a newer generation served. */
  recoveryMs?: number;
  /**
   * For kill/pause: ms from the fault until another process first found the lease held (it only
   * looks once its own refresh point comes), and from then to the newer token.
   */
  firstContentionMs?: number;
  recoveryAfterContentionMs?: number;
  /**
   * From that first contention until another process started its IdP call (it had taken the lease
   * over): the delay G5 bounds by lease + poll interval. The refresh itself comes on top.
   */
  takeoverAfterContentionMs?: number;
  /** The bound that recovery must meet (lease + poll interval). */
  recoveryBoundMs?: number;
  /** Free text: what was injected. */
  description: string;
  /** The chart's name for the fault (default `kind`), e.g. a simulated Region loss. */
  label?: string;
  /** When a fault with a duration ended (ms after the run started): the chart marks it too. */
  untilMs?: number;
  /** `kill-holder` under a rotating provider: every strike, where it landed and what followed. */
  rotation?: {
    strikes: RotatingStrike[];
    /** Kills that landed between the provider's answer and the state write. */
    inWindow: number;
    afterStateWrite: number;
    recovered: number;
    stateLost: number;
    /** From the provider's answer to the holder's state write, in the refreshes not struck (ms). */
    windowMs?: { median: number; max: number; samples: number } | undefined;
  };
}

/** One kill of a lease holder mid-refresh under a rotating provider. Never a token. */
export interface RotatingStrike {
  worker: number;
  /** When its IdP call arrived (ms after the run started). */
  atMs: number;
  /** How long after the provider's answer the process was killed. */
  killAfterAnswerMs: number;
  /** Where it landed, as the provider saw it afterwards; absent when no later refresh told. */
  phase?: 'between-answer-and-state-write' | 'after-state-write';
  /** What followed: the fleet refreshed on, or the grant was revoked and the state lost. */
  followed?: 'recovered' | 'state lost';
  /** From the kill until another process first found the dead holder's lease held; absent when none did before the next strike. */
  firstContentionMs?: number;
  /** From that moment until another process called the provider (the takeover). */
  takeoverAfterContentionMs?: number;
}

/** The grant of a rotating provider at the end of a run. Counts and times only, never a token. */
export interface GrantOutcome {
  /** When a reused refresh token revoked the grant (ms after the run started; negative: before it), or null. */
  revokedAtMs: number | null;
  /** The process whose call revoked it. */
  revokedByWorker: number | null;
  /** Calls refused with `invalid_grant`, the revoking one included. */
  invalidGrants: number;
  /** Refresh tokens the provider issued, the seeded one included. */
  refreshTokensIssued: number;
  /** getToken calls that failed with `RefreshStateLostError` (the locked strategy's fleet-wide refusal). */
  stateLostAtCallers: number;
}

/** Cost and quota projection of one run, scaled to 24 h and to a 30-day month. */
export interface Projection {
  versionsPer24h: number;
  /** Versions a secret can hold (labelled + deprecated younger than 24 h). */
  versionQuota: number;
  withinQuota: boolean;
  secretsManagerCallsPerMonth: number;
  dynamodbReadsPerMonth: number;
  dynamodbWritesPerMonth: number;
  identityProviderCallsPerMonth: number;
  monthlyUsd: { secret: number; secretsManagerCalls: number; dynamodb: number; identityProvider: number; total: number };
  pricesReadOn: string;
  pricesSource: string;
}

/** One checked target of the locked strategy (or a check that shows a herd). */
export interface TargetCheck {
  name: string;
  ok: boolean;
  actual: number | null;
  limit: string;
}

/** The chart's raw material, times in ms since the run started. */
export interface RunTimeline {
  binMs: number;
  bins: Array<{ t: number; calls: number; errors: number; p50: number; p99: number; max: number }>;
  idpCalls: Array<{ t: number; worker: number; outcome: string }>;
  versions: number[];
  generations: Array<{ seq: number; t: number }>;
  idpIntervals: Array<{ worker: number; from: number; to: number; ok: boolean | null }>;
}

/** The workload a run was given: what makes a load-test run and a simulated run comparable. */
export type RunSettings = Pick<
  LoadTestOptions,
  | 'processes'
  | 'concurrency'
  | 'lifetimeMs'
  | 'durationMs'
  | 'thinkMs'
  | 'leaseMs'
  | 'minValidityMs'
  | 'refreshWindowMs'
  | 'writeRatePerSecond'
  | 'seed'
>;

/** The {@link RunSettings} part of a fuller set of options. */
export function runSettingsOf(options: RunSettings): RunSettings {
  return {
    processes: options.processes,
    concurrency: options.concurrency,
    lifetimeMs: options.lifetimeMs,
    durationMs: options.durationMs,
    thinkMs: options.thinkMs,
    leaseMs: options.leaseMs,
    minValidityMs: options.minValidityMs,
    refreshWindowMs: options.refreshWindowMs,
    writeRatePerSecond: options.writeRatePerSecond,
    seed: options.seed,
  };
}

/** One Region of a multi-Region load test: what its processes were served and what they read where. */
export interface LoadTestRegion {
  region: string;
  processes: number;
  calls: number;
  servedExpired: number;
  /** Tokens a process served that were older than one it had served before (rollbacks). */
  olderAfterNewer: number;
  minRemainingMs: number | null;
  errors: Record<string, number>;
  getSecretValue: {
    /** Answered by this Region's Secrets Manager: its replica, or the primary in the primary Region. */
    servedHere: number;
    /** Sent from here to the primary in another Region (a replica behind, the lease holder's reads). */
    toPrimary: number;
  };
  /** The locked strategy's `replica-behind` events: replica reads that went on to the primary. */
  replicaBehind: number;
  /** How long versions took to reach this Region's replica (null in the primary Region). */
  replicaLag: ReplicaLagObserved | null;
}

/** The multi-Region part of a load-test result. */
export interface LoadTestRegions {
  primary: string;
  names: string[];
  /** The lag the emulator was told to inject per change (ms). */
  injectedLagMs: number;
  perRegion: LoadTestRegion[];
}

/** Everything one run (one strategy, one fault) measured. Holds no token value. */
export interface RunResult {
  strategy: StrategyName;
  /** Where it ran: the embedded stack, AWS, or the fleet simulation under virtual time. */
  target: LoadTestOptions['target'] | 'simulation';
  settings: RunSettings;
  /** The identity provider's refresh-token rule; absent (older reports, the simulation, the demo) means `plain`. */
  idpKind?: IdpKind;
  /** Who the locked strategy's callers were; absent (the simulation, the demo) means in-process `getToken()`. */
  clients?: ClientKind;
  startedAt: string;
  measuredMs: number;
  /** Distinct tokens served to callers. */
  generations: number;
  /** Refresh rounds: IdP calls grouped by time (a herd is one round). */
  rounds: number;
  /**
   * IdP calls: all received, answered with a token, failed (injected errors), abandoned by the
   * caller (killed, or cut off when the run ended: `cutOffAtEnd`, left out of the per-generation target).
   */
  idp: {
    calls: number;
    minted: number;
    failed: number;
    /** Refused by a rotating provider (`invalid_grant`, or no refresh token presented); absent in older reports. */
    rejected?: number;
    abandoned: number;
    cutOffAtEnd: number;
  };
  secretsManager: {
    countedBy: 'emulator' | 'sdk';
    calls: Record<string, number>;
    throttled: number;
    errors: Record<string, number>;
  };
  versions: { created: number; alive: number | null };
  dynamodb: { reads: number; writes: number; failedConditionalWrites: number; operations: Record<string, number> };
  latencyMs: LatencySummary;
  /** Calls answered from memory: callers that had a valid token. */
  latencyWhileValidMs: LatencySummary;
  validity: { minRemainingMs: number | null; servedExpired: number; servedBelowMinValidity: number; olderAfterNewer: number };
  waits: number;
  takeovers: number;
  rollbacksPrevented: number;
  /** Strategy events by type (for `locked`: the refresher's events other than `served`). */
  events: Record<string, number>;
  /** Errors that reached load-test callers, by error name. */
  errors: Record<string, number>;
  /** The most GetSecretValue calls of one process, per generation. */
  getSecretValuePerProcessPerGeneration: number;
  /**
   * Costs after the cold start (each worker's calls up to the first token it served are left out;
   * at the start every process finds no token at once and races for a free lease), per generation
   * after the first.
   */
  steadyState: {
    generations: number;
    dynamodbReads: number;
    dynamodbWrites: number;
    failedConditionalWrites: number;
    getSecretValueMaxPerProcess: number;
    operations: Record<string, number>;
  };
  fault: FaultOutcome;
  /** Under a rotating provider: what became of the grant. */
  grant?: GrantOutcome;
  /** Several Regions (`--regions`): per-Region counts and the replica lag observed. */
  multiRegion?: LoadTestRegions;
  projection: Projection;
  targets: TargetCheck[];
  timeline: RunTimeline;
}
