import type { RefresherEvent } from '../../src/index.js';
import { spawnTypeScript, type ProcessExit, type SpawnedScript } from './processes.js';

/** What one fleet member runs (passed as JSON in argv). */
export interface FleetMemberConfig {
  /** The member's number, sent to the token issuer as the worker id. */
  member: number;
  secretId: string;
  lockTable: string;
  issuerUrl: string;
  /** Concurrent getToken() loops in the process. */
  callers: number;
  leaseMs?: number;
  /** Record through the OpenTelemetry SDK and write what it exported here as JSON at SIGTERM, before the summary. */
  telemetryFile?: string;
  /** Keep refresh state (the rotating issuer's refresh token) in this secret. */
  stateSecretId?: string;
  /** SIGKILL itself at this point of its first refresh (DESIGN.md §9's crash window). */
  killAt?: KillPoint;
}

/** Where a member kills itself during its first refresh: marker written; answer in hand; state stored; token committed. */
export type KillPoint = 'before-call' | 'after-answer' | 'after-state' | 'after-commit';

/** What a member counted, reported at exit. Never a token. */
export interface FleetSummary {
  member: number;
  calls: number;
  sources: Partial<Record<'memory' | 'secret' | 'refreshed', number>>;
  /** The least validity left on any token returned. */
  minRemainingMs: number;
  /** The least `remaining - minValidity` on any token returned (negative would break G2). */
  minMarginMs: number;
  /** Tokens returned with less than the minimum validity (G2 says 0). */
  belowMinimum: number;
  /** Tokens returned by calls that did I/O (their `served` event carries `durationMs`). */
  servedAfterIo: number;
  /** Follower waits after the process had held a token (G3 says 0 in healthy conditions). */
  waitsWithToken: number;
  /** Follower waits before the process had any token (allowed: nothing valid existed). */
  waitsWithoutToken: number;
  errors: Record<string, number>;
  highestGeneration: number;
}

/** One line a member prints. */
export type FleetMessage =
  | { type: 'ready'; member: number; pid: number }
  | { type: 'generation'; member: number; generation: number }
  /** `at`: the member's wall clock (same host as the test) when the event happened. */
  | { type: 'event'; member: number; at: number; event: RefresherEvent }
  | { type: 'error'; member: number; name: string; message: string }
  | { type: 'summary'; member: number; summary: FleetSummary };

/** A running member: its messages, and control by signals. */
export interface FleetMember {
  readonly member: number;
  readonly pid: number;
  /** Every message so far, in order. */
  readonly messages: FleetMessage[];
  /** Resolves with the first message (already received or future) that `predicate` accepts. */
  when(predicate: (message: FleetMessage) => boolean): Promise<FleetMessage>;
  /** SIGTERM: the callers stop, a refresh in progress finishes, and the summary comes back. */
  stop(): Promise<FleetSummary>;
  /** SIGSTOP / SIGCONT: freeze and thaw the whole process (a GC pause, a frozen Lambda). */
  pause(): void;
  resume(): void;
  /** SIGKILL: the process dies wherever it is. */
  kill(): Promise<ProcessExit>;
  /** Resolves when the process has exited, by itself or not. */
  readonly exited: Promise<ProcessExit>;
  stderr(): string;
}

/** The environment that points a member's AWS SDK at the local stack. */
export function stackEnvironment(endpoints: { dynamodb: string; secretsManager: string }): NodeJS.ProcessEnv {
  return {
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsManager,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
  };
}

/**
 * Starts a fleet member (test/support/fleet-member.ts) in its own Node process and resolves once
 * it is ready.
 *
 * @example
 * ```ts
 * const member = await spawnFleetMember({ member: 1, secretId, lockTable, issuerUrl, callers: 8 }, env);
 * await member.when((message) => message.type === 'generation' && message.generation >= 3);
 * const summary = await member.stop();
 * ```
 */
export async function spawnFleetMember(config: FleetMemberConfig, env: NodeJS.ProcessEnv): Promise<FleetMember> {
  const script: SpawnedScript = spawnTypeScript('test/support/fleet-member.ts', [JSON.stringify(config)], { env });
  const messages: FleetMessage[] = [];
  const waiting: Array<{ predicate: (message: FleetMessage) => boolean; resolve: (message: FleetMessage) => void; reject: (error: Error) => void }> =
    [];
  let ended: Error | undefined;
  void (async () => {
    try {
      for (;;) {
        const message = await script.nextJson<FleetMessage>();
        messages.push(message);
        for (const waiter of [...waiting]) {
          if (waiter.predicate(message)) {
            waiting.splice(waiting.indexOf(waiter), 1);
            waiter.resolve(message);
          }
        }
      }
    } catch (error) {
      ended = error instanceof Error ? error : new Error(String(error));
      for (const waiter of waiting.splice(0)) waiter.reject(ended);
    }
  })();
  const when = (predicate: (message: FleetMessage) => boolean): Promise<FleetMessage> => {
    const found = messages.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    if (ended !== undefined) return Promise.reject(ended);
    return new Promise((resolve, reject) => waiting.push({ predicate, resolve, reject }));
  };
  await when((message) => message.type === 'ready');
  return {
    member: config.member,
    pid: script.pid,
    messages,
    when,
    async stop() {
      const summary = when((message) => message.type === 'summary');
      script.child.kill('SIGTERM');
      const message = await summary;
      await script.exited;
      return (message as Extract<FleetMessage, { type: 'summary' }>).summary;
    },
    pause: () => script.child.kill('SIGSTOP'),
    resume: () => script.child.kill('SIGCONT'),
    kill: () => script.kill('SIGKILL'),
    exited: script.exited,
    stderr: () => script.stderr(),
  };
}
