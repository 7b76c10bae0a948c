/**
 * One member of a test fleet: a real process running a TokenRefresher against the local stack
 * (found through AWS_ENDPOINT_URL_*), with `callers` concurrent loops calling getToken(). Its
 * refresh function calls the test's token issuer over loopback. It reports on stdout, one JSON
 * object a line, never a token: `ready`, `generation` (first time each is served), `event`
 * (refresher events that matter to the fleet), `error`, and on SIGTERM a `summary`.
 *
 * Run by {@link spawnFleetMember}; the configuration is the JSON in argv[2].
 */
import { writeFileSync } from 'node:fs';
import { TokenRefresher, type RefresherEvent } from '../../src/index.js';
import { fetchRotatingToken, fetchTestToken } from './token-issuer.js';
import type { FleetMemberConfig, FleetMessage, FleetSummary } from './fleet.js';
import { startTelemetryRecorder } from './telemetry-recorder.js';

const config = JSON.parse(process.argv[2] ?? '{}') as FleetMemberConfig;
const REPORTED: ReadonlySet<RefresherEvent['type']> = new Set([
  'refresh-started',
  'refreshed',
  'refresh-failed',
  'took-over',
  'rollback-prevented',
  'lease-lost',
  'lock-unavailable',
  'background-check-failed',
  'lease-busy',
  'lease-attempt',
  'waited',
  'state-saved',
]);
/** The events after which a member with `killAt` dies (the answer point is inside its refresh function). */
const KILL_ON_EVENT: Partial<Record<NonNullable<FleetMemberConfig['killAt']>, RefresherEvent['type']>> = {
  'before-call': 'refresh-started',
  'after-state': 'state-saved',
  'after-commit': 'refreshed',
};
const die = (): void => {
  process.kill(process.pid, 'SIGKILL');
};

function say(message: FleetMessage): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

const summary: FleetSummary = {
  member: config.member,
  calls: 0,
  sources: {},
  minRemainingMs: Number.POSITIVE_INFINITY,
  minMarginMs: Number.POSITIVE_INFINITY,
  belowMinimum: 0,
  servedAfterIo: 0,
  waitsWithToken: 0,
  waitsWithoutToken: 0,
  errors: {},
  highestGeneration: 0,
};
const telemetry = config.telemetryFile === undefined ? undefined : startTelemetryRecorder();
let refreshesInFlight = 0;
let onIdle: (() => void) | undefined;

const refresher = new TokenRefresher({
  secretId: config.secretId,
  lockTable: config.lockTable,
  leaseMs: config.leaseMs,
  ...(config.stateSecretId === undefined ? {} : { stateSecretId: config.stateSecretId }),
  refresh:
    config.stateSecretId === undefined
      ? ({ signal }) => fetchTestToken(config.issuerUrl, config.member, signal)
      : async ({ signal, state }) => {
          const issued = await fetchRotatingToken(config.issuerUrl, config.member, state?.refreshToken, signal);
          if (config.killAt === 'after-answer') die();
          return issued;
        },
  onEvent(event) {
    if (config.killAt !== undefined && KILL_ON_EVENT[config.killAt] === event.type) die();
    telemetry?.listener(event);
    if (event.type === 'served') {
      summary.minRemainingMs = Math.min(summary.minRemainingMs, event.remainingMs);
      summary.minMarginMs = Math.min(summary.minMarginMs, event.remainingMs - event.minValidityMs);
      if (event.remainingMs < event.minValidityMs) summary.belowMinimum += 1;
      if (event.durationMs !== undefined) summary.servedAfterIo += 1;
      summary.sources[event.source] = (summary.sources[event.source] ?? 0) + 1;
      if (event.generation > summary.highestGeneration) {
        summary.highestGeneration = event.generation;
        say({ type: 'generation', member: config.member, generation: event.generation });
      }
      return;
    }
    if (event.type === 'waited') {
      // G3: waiting is only allowed for a caller that holds no valid token.
      if (summary.highestGeneration > 0) summary.waitsWithToken += 1;
      else summary.waitsWithoutToken += 1;
    }
    if (event.type === 'refresh-started') refreshesInFlight += 1;
    if (event.type === 'refreshed' || event.type === 'refresh-failed' || (event.type === 'lease-lost' && event.stage !== 'commit')) {
      refreshesInFlight = Math.max(0, refreshesInFlight - 1);
      if (refreshesInFlight === 0) onIdle?.();
    }
    if (REPORTED.has(event.type)) say({ type: 'event', member: config.member, at: Date.now(), event });
  },
});

let stopping = false;

async function caller(): Promise<void> {
  while (!stopping) {
    try {
      await refresher.getToken();
      summary.calls += 1;
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      summary.errors[name] = (summary.errors[name] ?? 0) + 1;
      // The first of each kind is enough to read; a backing-off fleet throws many.
      if (summary.errors[name] === 1)
        say({ type: 'error', member: config.member, name, message: error instanceof Error ? error.message : String(error) });
    }
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
  }
}

const callers = Array.from({ length: config.callers }, () => caller());

process.once('SIGTERM', () => {
  stopping = true;
  void (async () => {
    await Promise.all(callers);
    // Let a refresh in progress finish (commit) rather than abort it, so the counts reconcile.
    if (refreshesInFlight > 0) await new Promise<void>((resolve) => (onIdle = resolve));
    await refresher.close();
    if (telemetry !== undefined && config.telemetryFile !== undefined) {
      writeFileSync(config.telemetryFile, JSON.stringify(await telemetry.exported()));
    }
    say({ type: 'summary', member: config.member, summary });
    process.exit(0);
  })();
});

say({ type: 'ready', member: config.member, pid: process.pid });
