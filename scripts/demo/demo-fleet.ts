import { setMaxListeners } from 'node:events';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { TokenRefresher, type RefresherEvent, type RefreshFunction } from '../../src/index.js';
import { RefreshWorker } from '../../src/worker/index.js';
import { CallRecorder } from '../loadtest/call-recorder.js';
import { SdkCallCounter } from '../../devkit/sdk-counters.js';

/** Where the demo's clients point: the embedded stack, or whatever the SDK's configuration says (AWS). */
export interface DemoEndpoints {
  secretsManager?: string;
  dynamodb?: string;
}

/** Options for {@link startDemoFleet}. */
export interface DemoFleetOptions {
  secretId: string;
  lockTable: string;
  refresh: RefreshFunction;
  /** The secret of the refresh state, for a refresh function that keeps some (a rotating refresh token). */
  stateSecretId?: string | undefined;
  /** Simulated Lambda environments calling getToken() on invocations. */
  environments: number;
  /** Mean pause between two invocations of one environment (ms). */
  invocationEveryMs: number;
  leaseMs: number;
  endpoints: DemoEndpoints;
  minValidityMs: number;
  binMs: number;
}

/** An IdP call (refresh) of one member, for the chart's lanes. */
export interface DemoRefresh {
  member: number;
  from: number;
  to: number | undefined;
  ok: boolean | null;
}

/** The running demo fleet: member 0 is the worker, 1..N the Lambda environments. */
export interface DemoFleet {
  readonly recorder: CallRecorder;
  readonly counters: SdkCallCounter[];
  readonly refreshes: DemoRefresh[];
  readonly versions: Map<string, number>;
  readonly events: Record<string, number>;
  readonly startedAt: number;
  /** Stops invoking, stops the worker, closes every refresher. */
  stop(): Promise<void>;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * One standalone worker (src/worker) that refreshes the shared token ahead of expiry, and N
 * simulated Lambda environments — each with its own TokenRefresher and SDK clients, as separate
 * execution environments would have — invoked at random intervals. Everything they see is recorded
 * for the status line, the summary and the chart; no token value is kept.
 */
export function startDemoFleet(options: DemoFleetOptions): DemoFleet {
  const recorder = new CallRecorder({ minValidityMs: options.minValidityMs, binMs: options.binMs });
  const startedAt = Date.now();
  recorder.start(startedAt);
  const counters: SdkCallCounter[] = [];
  const refreshes: DemoRefresh[] = [];
  const open = new Map<number, DemoRefresh>();
  const versions = new Map<string, number>();
  const events: Record<string, number> = {};
  const controller = new AbortController();
  // Every pending getToken of every environment listens to this one signal.
  setMaxListeners(0, controller.signal);
  const refreshers: TokenRefresher[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const member = (index: number): TokenRefresher => {
    const counter = new SdkCallCounter();
    counters.push(counter);
    const local = options.endpoints.secretsManager === undefined ? {} : { region: 'us-east-1', credentials: LOCAL_CREDENTIALS };
    const refresher = new TokenRefresher({
      secretId: options.secretId,
      lockTable: options.lockTable,
      refresh: options.refresh,
      ...(options.stateSecretId === undefined ? {} : { stateSecretId: options.stateSecretId }),
      leaseMs: options.leaseMs,
      secretsManager: counter.attach(
        new SecretsManagerClient({ ...local, ...(options.endpoints.secretsManager ? { endpoint: options.endpoints.secretsManager } : {}) }),
      ),
      dynamodb: counter.attach(new DynamoDBClient({ ...local, ...(options.endpoints.dynamodb ? { endpoint: options.endpoints.dynamodb } : {}) })),
      lockOptions: { ownerId: index === 0 ? 'worker' : `lambda-${index}` },
      onEvent: (event: RefresherEvent) => observe(index, event),
    });
    refreshers.push(refresher);
    return refresher;
  };

  const observe = (index: number, event: RefresherEvent): void => {
    if (event.type === 'served') return;
    events[event.type] = (events[event.type] ?? 0) + 1;
    const now = Date.now();
    if (event.type === 'refresh-started') {
      const refresh: DemoRefresh = { member: index, from: now, to: undefined, ok: null };
      open.set(index, refresh);
      refreshes.push(refresh);
    }
    if (event.type === 'refreshed' || event.type === 'refresh-failed' || event.type === 'lease-lost') {
      const refresh = open.get(index);
      if (refresh !== undefined) Object.assign(refresh, { to: now, ok: event.type === 'refreshed' });
      open.delete(index);
    }
    if (event.type === 'refreshed' && !versions.has(event.versionId)) versions.set(event.versionId, now);
  };

  const worker = new RefreshWorker({ refresher: member(0) });
  void worker.run(controller.signal).catch(() => undefined);

  for (let index = 1; index <= options.environments; index += 1) {
    const refresher = member(index);
    const invoke = (): void => {
      const started = performance.now();
      refresher.getToken({ signal: controller.signal }).then(
        (result) => {
          const now = Date.now();
          recorder.served(index, { token: result.token, source: result.source }, performance.now() - started, now, {
            seq: result.generation,
            exp: result.expiresAt.getTime(),
          });
        },
        (error: unknown) => {
          if (!controller.signal.aborted) recorder.error(error instanceof Error ? error.name : 'UnknownError', Date.now());
        },
      );
      if (controller.signal.aborted) return;
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          invoke();
        },
        -Math.log(1 - Math.random()) * options.invocationEveryMs,
      );
      timers.add(timer);
    };
    invoke();
  }

  return {
    recorder,
    counters,
    refreshes,
    versions,
    events,
    startedAt,
    async stop() {
      controller.abort(new Error('demo stopped'));
      for (const timer of timers) clearTimeout(timer);
      await Promise.all(refreshers.map((refresher) => refresher.close().catch(() => undefined)));
    },
  };
}
