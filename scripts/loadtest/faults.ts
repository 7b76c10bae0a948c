import type { ChildProcess } from 'node:child_process';
import { ConfigurationError } from '../../src/index.js';
import type { EmulatorControl } from './emulator-control.js';
import type { FleetAggregate } from './fleet-aggregate.js';
import type { FaultName, LoadTestOptions } from './options.js';
import type { FaultOutcome } from './run-result.js';
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
  const needsEmulator = kind === 'sm-throttle' || kind === 'drop-response';
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
    case 'pause-holder':
      return holderFault(kind, targets);
  }
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

/** When a process other than `victim` first found the lease held (busy, or started waiting) after `since`. */
function firstContention(aggregate: FleetAggregate, victim: number, since: number): number | undefined {
  let first: number | undefined;
  for (const activity of aggregate.activities) {
    if (activity.worker === victim) continue;
    const at =
      activity.kind === 'waited'
        ? activity.at - activity.durationMs
        : activity.kind === 'event' && activity.type === 'lease-busy'
          ? activity.at
          : undefined;
    if (at !== undefined && at >= since && (first === undefined || at < first)) first = at;
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
