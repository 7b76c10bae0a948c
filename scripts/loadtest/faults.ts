import type { ChildProcess } from 'node:child_process';
import { ConfigurationError, seededRandom } from '../../src/index.js';
import type { EmulatorControl } from './emulator-control.js';
import type { FleetAggregate } from './fleet-aggregate.js';
import type { FaultName, LoadTestOptions } from './options.js';
import type { FaultOutcome, RotatingStrike } from './run-result.js';
import type { InterceptDecision, MintRecord, TokenIssuer } from './token-issuer.js';

/** What a fault needs to reach: the issuer, the emulator, the worker processes, what was served. */
export interface FaultTargets {
  options: LoadTestOptions;
  issuer: TokenIssuer;
  emulator: EmulatorControl | undefined;
  workers: ReadonlyMap<number, ChildProcess>;
  aggregate: FleetAggregate;
  /** Epoch ms at which the workers started calling. */
  startAt(): number;
  /** The lock's poll interval, for the recovery bound. */
  pollMs: number;
}

/** A fault in force for one run. */
export interface ArmedFault {
  outcome(): FaultOutcome;
  /** Undoes what the fault left behind (continues a paused worker, clears emulator faults). */
  disarm(): Promise<void>;
}

/** How many IdP calls fail at the start of each refresh round under `idp-errors`. */
const IDP_ERRORS_PER_ROUND = 2;
const WRITE_OPERATIONS = ['PutSecretValue', 'UpdateSecretVersionStage'];

/**
 * Installs fault `kind`. Holder faults strike the first IdP call made one token lifetime into the
 * run (so a generation exists to be served meanwhile): the caller's process is killed (SIGKILL) or
 * frozen (SIGSTOP) while its call is in flight, i.e. while it holds the lease mid-refresh.
 *
 * @example
 * ```ts
 * const fault = await armFault('kill-holder', targets);
 * // … run …
 * const outcome = fault.outcome();
 * await fault.disarm();
 * ```
 */
export async function armFault(kind: FaultName, targets: FaultTargets): Promise<ArmedFault> {
  const { options, issuer } = targets;
  const needsEmulator = kind === 'sm-throttle' || kind === 'drop-response' || kind === 'replication-paused';
  if (needsEmulator && targets.emulator === undefined) {
    throw new ConfigurationError(`fault ${kind} needs the local Secrets Manager emulator; run it with --target local.`);
  }
  switch (kind) {
    case 'none':
      return fixed({ kind, description: 'healthy run' });
    case 'slow-idp':
      issuer.configure({ latencyMs: options.slowIdpMs });
      return fixed({ kind, description: `every IdP call takes ${options.slowIdpMs} ms longer` });
    case 'idp-errors': {
      issuer.configure({ errorBursts: { calls: IDP_ERRORS_PER_ROUND, roundGapMs: options.lifetimeMs / 2 } });
      return fixed({ kind, description: `the IdP answers 503 to the first ${IDP_ERRORS_PER_ROUND} calls of every refresh round` });
    }
    case 'sm-throttle': {
      const rule = { errorRate: options.faultRate, errorType: 'ThrottlingException' };
      await targets.emulator?.setFaults(options.seed, { GetSecretValue: rule, PutSecretValue: rule, UpdateSecretVersionStage: rule });
      return emulatorFault(targets, {
        kind,
        description: `${Math.round(options.faultRate * 100)} % of GetSecretValue, PutSecretValue and UpdateSecretVersionStage calls throttled`,
      });
    }
    case 'drop-response': {
      const rules = Object.fromEntries(WRITE_OPERATIONS.map((op) => [op, { dropResponseRate: options.faultRate }]));
      await targets.emulator?.setFaults(options.seed, rules);
      return emulatorFault(targets, {
        kind,
        description: `${Math.round(options.faultRate * 100)} % of secret writes applied, then their response dropped`,
      });
    }
    case 'kill-holder':
      return options.idp === 'rotating' ? rotatingKillFault(targets) : holderFault(kind, targets);
    case 'pause-holder':
      return holderFault(kind, targets);
    case 'replication-paused':
      return replicationPausedFault(targets);
  }
}

/**
 * Across Regions: the emulator stops copying primary writes to the replicas from one lifetime into
 * the run for one and a half lifetimes — past at least one refresh, so every replica shows a token
 * older than the fleet's, and then one below its minimum validity — and resumes, delivering what
 * queued. Readers there must go to the primary rather than serve the replica's older token.
 */
function replicationPausedFault(targets: FaultTargets): ArmedFault {
  const { options, emulator } = targets;
  const fromMs = options.lifetimeMs;
  const untilMs = Math.round(options.lifetimeMs * 2.5);
  let pausedAt: number | undefined;
  let resumedAt: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  // The fault is armed before the workers are ready, so it waits for the start time to be known.
  const step = async (): Promise<void> => {
    const startAt = targets.startAt();
    const now = Date.now();
    if (Number.isFinite(startAt) && pausedAt === undefined && now >= startAt + fromMs) {
      await emulator?.setReplication({ paused: true });
      pausedAt = Date.now();
    }
    if (pausedAt !== undefined && resumedAt === undefined && now >= startAt + untilMs) {
      await emulator?.setReplication({ paused: false });
      resumedAt = Date.now();
      return;
    }
    timer = setTimeout(() => void step().catch(() => undefined), 20);
  };
  timer = setTimeout(() => void step().catch(() => undefined), 20);
  return {
    outcome() {
      const startAt = targets.startAt();
      return {
        kind: 'replication-paused',
        label: 'replication paused',
        description: `replication to every replica paused from ${fromMs / 1000} s to ${untilMs / 1000} s into the run, then resumed`,
        ...(pausedAt === undefined ? {} : { atMs: pausedAt - startAt }),
        ...(resumedAt === undefined ? {} : { untilMs: resumedAt - startAt }),
      };
    },
    async disarm() {
      clearTimeout(timer);
      if (pausedAt !== undefined && resumedAt === undefined) {
        await emulator?.setReplication({ paused: false });
        resumedAt = Date.now();
      }
    },
  };
}

function fixed(outcome: FaultOutcome): ArmedFault {
  return { outcome: () => outcome, disarm: async () => {} };
}

function emulatorFault(targets: FaultTargets, outcome: FaultOutcome): ArmedFault {
  return { outcome: () => outcome, disarm: () => targets.emulator?.setFaults(targets.options.seed, {}) ?? Promise.resolve() };
}

function holderFault(kind: 'kill-holder' | 'pause-holder', targets: FaultTargets): ArmedFault {
  const { options, issuer, aggregate } = targets;
  const recoveryBoundMs = options.leaseMs + targets.pollMs;
  let struck: { record: MintRecord; at: number; child: ChildProcess } | undefined;
  let recoveredAt: number | undefined;
  let resumeTimer: NodeJS.Timeout | undefined;

  const waitForNewerToken = async (record: MintRecord, at: number): Promise<void> => {
    const giveUpAt = at + 3 * options.leaseMs + options.lifetimeMs;
    while (Date.now() < giveUpAt) {
      recoveredAt = aggregate.firstServedNewerThan(record.seq, at);
      if (recoveredAt !== undefined) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  issuer.configure({
    intercept(record): Promise<InterceptDecision> | undefined {
      if (struck !== undefined || record.receivedAt < targets.startAt() + options.lifetimeMs) return undefined;
      const child = targets.workers.get(record.worker);
      if (child === undefined || child.exitCode !== null) return undefined;
      struck = { record, at: Date.now(), child };
      if (kind === 'kill-holder') {
        child.kill('SIGKILL');
        void waitForNewerToken(record, struck.at);
        return Promise.resolve('abandon');
      }
      child.kill('SIGSTOP');
      // The frozen holder gets its (now outdated) token only after the fleet has moved on, then wakes.
      return waitForNewerToken(record, struck.at).then(() => {
        resumeTimer = setTimeout(() => child.kill('SIGCONT'), 200);
        return 'answer' as const;
      });
    },
  });

  return {
    outcome() {
      const base: FaultOutcome = {
        kind,
        description:
          kind === 'kill-holder'
            ? 'the process calling the IdP one lifetime into the run is killed (SIGKILL) mid-refresh'
            : 'the process calling the IdP one lifetime into the run is frozen (SIGSTOP) until a newer token is served, then continued',
        recoveryBoundMs,
      };
      if (struck === undefined) return { ...base, description: `${base.description} — no IdP call came to strike` };
      const recovery = recoveredAt ?? aggregate.firstServedNewerThan(struck.record.seq, struck.at);
      const contention = firstContention(aggregate, struck.record.worker, struck.at);
      const takeover = contention === undefined ? undefined : firstIdpCall(aggregate, struck.record.worker, contention);
      return {
        ...base,
        victim: struck.record.worker,
        atMs: struck.at - targets.startAt(),
        ...(recovery === undefined ? {} : { recoveryMs: recovery - struck.at }),
        ...(contention === undefined ? {} : { firstContentionMs: contention - struck.at }),
        ...(contention === undefined || recovery === undefined ? {} : { recoveryAfterContentionMs: recovery - contention }),
        ...(contention === undefined || takeover === undefined ? {} : { takeoverAfterContentionMs: takeover - contention }),
      };
    },
    async disarm() {
      if (resumeTimer !== undefined) clearTimeout(resumeTimer);
      if (kind === 'pause-holder' && struck?.child.exitCode === null) struck.child.kill('SIGCONT');
      issuer.configure({ intercept: undefined });
    },
  };
}

/** When a process other than `victim` first found the lease held (busy, or started waiting) after `since`, and before `until`. */
function firstContention(aggregate: FleetAggregate, victim: number, since: number, until = Number.POSITIVE_INFINITY): number | undefined {
  let first: number | undefined;
  for (const activity of aggregate.activities) {
    if (activity.worker === victim) continue;
    const at =
      activity.kind === 'waited'
        ? activity.at - activity.durationMs
        : activity.kind === 'event' && activity.type === 'lease-busy'
          ? activity.at
          : undefined;
    if (at !== undefined && at >= since && at < until && (first === undefined || at < first)) first = at;
  }
  return first;
}

/** When a process other than `victim` next started an IdP call, at or after `since`. */
function firstIdpCall(aggregate: FleetAggregate, victim: number, since: number): number | undefined {
  let first: number | undefined;
  for (const activity of aggregate.activities) {
    if (activity.worker === victim || activity.kind !== 'idp-call-started' || activity.at < since) continue;
    if (first === undefined || activity.at < first) first = activity.at;
  }
  return first;
}

/**
 * `kill-holder` under a rotating provider: where in a refresh a kill lands decides everything. The
 * provider consumes the presented refresh token when it answers; until the holder has stored the new
 * one, nobody else has it. So every refresh from one lifetime into the run on is struck — its
 * process SIGKILLed a seeded random time up to `killSpreadMs` after the provider answered — until a
 * kill costs the grant. A strike is classified by what the provider sees next, not by the dead
 * process: the next refresh presents the refresh token the struck call received (the state write
 * had landed: recovered) or the one it presented (killed between the answer and the state write:
 * that is a reuse, and the grant is revoked). The call that recovers from a strike is never struck.
 */
function rotatingKillFault(targets: FaultTargets): ArmedFault {
  const { options, issuer, aggregate } = targets;
  const random = seededRandom(options.seed * 104_729 + 17);
  const strikes: Array<RotatingStrike & { seq: number; presentedFrom: number | undefined; at: number; killedAt?: number }> = [];
  const timers = new Set<NodeJS.Timeout>();
  let first: { seq: number; worker: number; at: number } | undefined;

  const pending = (): (typeof strikes)[number] | undefined => strikes.find((strike) => strike.phase === undefined);
  const classify = (record: MintRecord): void => {
    const strike = pending();
    if (strike === undefined || record.seq <= strike.seq || record.presentedFrom === undefined) return;
    if (record.presentedFrom === strike.seq) strike.phase = 'after-state-write';
    else if (record.presentedFrom === strike.presentedFrom) strike.phase = 'between-answer-and-state-write';
  };

  issuer.configure({
    intercept(record): Promise<InterceptDecision> | undefined {
      classify(record);
      const last = strikes.at(-1);
      const recovering = last !== undefined && (record.presentedFrom === last.seq || record.presentedFrom === last.presentedFrom);
      if (
        issuer.grant.revokedAt !== undefined ||
        pending() !== undefined ||
        recovering ||
        record.presentedFrom === undefined ||
        record.receivedAt < targets.startAt() + options.lifetimeMs
      ) {
        return undefined;
      }
      const child = targets.workers.get(record.worker);
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) return undefined;
      // Keep one process alive to go on calling.
      const alive = [...targets.workers.values()].filter((worker) => worker.exitCode === null && worker.signalCode === null);
      if (alive.length <= 1) return undefined;
      const killAfterAnswerMs = Math.round(random() * options.killSpreadMs * 10) / 10;
      const at = Date.now();
      const strike: (typeof strikes)[number] = {
        seq: record.seq,
        presentedFrom: record.presentedFrom,
        at,
        worker: record.worker,
        atMs: at - targets.startAt(),
        killAfterAnswerMs,
      };
      strikes.push(strike);
      first ??= { seq: record.seq, worker: record.worker, at };
      // The answer leaves as soon as this resolves; the kill follows it by killAfterAnswerMs.
      const timer = setTimeout(() => {
        timers.delete(timer);
        strike.killedAt = Date.now();
        child.kill('SIGKILL');
      }, killAfterAnswerMs);
      timers.add(timer);
      return Promise.resolve('answer');
    },
  });

  return {
    outcome() {
      const base: FaultOutcome = {
        kind: 'kill-holder',
        description:
          `every refresh from one lifetime into the run on, until one costs the grant: its process is killed (SIGKILL) ` +
          `0–${options.killSpreadMs} ms after the rotating provider answered`,
        recoveryBoundMs: options.leaseMs + targets.pollMs,
      };
      if (first === undefined) return { ...base, description: `${base.description} — no IdP call came to strike` };
      const revokedBySeq = issuer.grant.revokedBySeq;
      const revokedBy = issuer.mints.find((mint) => mint.seq === revokedBySeq);
      // A strike cost the grant when the call that revoked it presented a refresh token the struck call had in hand.
      const reported = strikes.map(({ seq, presentedFrom, at: _at, killedAt: _killedAt, ...strike }): RotatingStrike => {
        if (strike.phase === undefined) return strike;
        const lost = revokedBy?.presentedFrom !== undefined && (revokedBy.presentedFrom === presentedFrom || revokedBy.presentedFrom === seq);
        return { ...strike, followed: lost ? 'state lost' : 'recovered' };
      });
      const recovery = aggregate.firstServedNewerThan(first.seq, first.at);
      // Each strike has its own takeover, measured before the next strike starts another one. The
      // slowest is the fault's: the check bounds every takeover, not just the first.
      // From the kill, not the call: until then the holder lives and may finish, and a process that
      // finds its lease held meanwhile is waiting on a live holder, not on a takeover.
      const takeovers = strikes.map((strike, index) =>
        takeoverAfterStrike(targets, { worker: strike.worker, at: strike.killedAt ?? strike.at }, strikes[index + 1]?.at),
      );
      const slowest = takeovers.reduce<StrikeTakeover | undefined>(
        (worst, takeover) =>
          takeover.takeoverAfterContentionMs !== undefined && (worst?.takeoverAfterContentionMs ?? -1) < takeover.takeoverAfterContentionMs
            ? takeover
            : worst,
        undefined,
      );
      const withTakeovers = reported.map((strike, index) => ({ ...strike, ...takeovers[index] }));
      return {
        ...base,
        victim: first.worker,
        atMs: first.at - targets.startAt(),
        ...(recovery === undefined ? {} : { recoveryMs: recovery - first.at }),
        ...(slowest === undefined ? {} : slowest),
        rotation: {
          strikes: withTakeovers,
          inWindow: reported.filter((strike) => strike.phase === 'between-answer-and-state-write').length,
          afterStateWrite: reported.filter((strike) => strike.phase === 'after-state-write').length,
          recovered: reported.filter((strike) => strike.followed === 'recovered').length,
          stateLost: reported.filter((strike) => strike.followed === 'state lost').length,
          windowMs: stateWriteWindows(issuer, aggregate),
        },
      };
    },
    async disarm() {
      for (const timer of timers) clearTimeout(timer);
      issuer.configure({ intercept: undefined });
    },
  };
}

export type StrikeTakeover = Pick<RotatingStrike, 'firstContentionMs' | 'takeoverAfterContentionMs'>;

/**
 * The takeover after one strike: the provider's first call from another process after the kill is
 * the one that took over (or, when the kill came after the commit, simply the next refresh). The
 * delay counts from the first time another process found the lease held before that call — then
 * the lease it found held can only be the dead holder's. The provider's record is used for the
 * call, not the workers' reports: a process killed in its own refresh never sends its report.
 * Nothing when no process needed the lease before that call, or before the next strike.
 */
export function takeoverAfterStrike(targets: FaultTargets, strike: { worker: number; at: number }, nextStrikeAt: number | undefined): StrikeTakeover {
  const next = targets.issuer.mints.find((mint) => mint.worker !== strike.worker && mint.receivedAt >= strike.at);
  const until = Math.min(next?.receivedAt ?? Number.POSITIVE_INFINITY, nextStrikeAt ?? Number.POSITIVE_INFINITY);
  const contention = firstContention(targets.aggregate, strike.worker, strike.at, until);
  if (contention === undefined) return {};
  return {
    firstContentionMs: contention - strike.at,
    ...(next === undefined ? {} : { takeoverAfterContentionMs: next.receivedAt - contention }),
  };
}

/**
 * How long the refreshes that were not struck took from the provider's answer to their `state-saved`
 * event — the window a kill must land in to cost the grant (ms: median and max).
 */
function stateWriteWindows(issuer: TokenIssuer, aggregate: FleetAggregate): { median: number; max: number; samples: number } | undefined {
  const windows: number[] = [];
  for (const mint of issuer.mints) {
    if (mint.outcome !== 'minted' || mint.answeredAt === undefined) continue;
    const answeredAt = mint.answeredAt;
    let saved: number | undefined;
    for (const activity of aggregate.activities) {
      if (activity.worker !== mint.worker || activity.kind !== 'event' || activity.type !== 'state-saved' || activity.at < answeredAt) continue;
      if (saved === undefined || activity.at < saved) saved = activity.at;
    }
    if (saved !== undefined && saved - answeredAt < 5_000) windows.push(saved - answeredAt);
  }
  if (windows.length === 0) return undefined;
  windows.sort((a, b) => a - b);
  return { median: windows[Math.floor(windows.length / 2)] ?? 0, max: windows.at(-1) ?? 0, samples: windows.length };
}
