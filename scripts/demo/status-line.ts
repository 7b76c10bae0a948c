import type { SecretStatus } from '../../src/index.js';
import type { DemoFleet } from './demo-fleet.js';

/**
 * The demo's one-line live status: the current generation and how long it has left, who holds the
 * lease, refreshes (IdP calls), secret versions, tokens served and the least validity any caller
 * got, and under a rotating provider whether the grant stands. Never a token.
 *
 * @example
 * ```ts
 * process.stdout.write(`\r${formatDemoStatus(fleet, await status({ secretId, lockTable }), Date.now())}`);
 * ```
 */
export function formatDemoStatus(
  fleet: DemoFleet,
  secret: SecretStatus | undefined,
  idpCalls: number,
  now: number,
  /** Under a rotating provider: whether the grant still stands (omitted for a plain one). */
  grant?: { revoked: boolean },
): string {
  const elapsed = ((now - fleet.startedAt) / 1000).toFixed(0).padStart(3);
  const current = secret?.current;
  const generation = current?.generation === undefined ? '–' : String(current.generation);
  const left = current?.remainingMs === undefined ? '' : ` (${(current.remainingMs / 1000).toFixed(1)}s left)`;
  const holder = secret?.lease?.held ? (secret.lease.holder ?? '?') : 'free';
  const minLeft = fleet.recorder.minRemainingMs === null ? '–' : `${(fleet.recorder.minRemainingMs / 1000).toFixed(1)}s`;
  const errors = Object.values(fleet.recorder.errors).reduce((sum, n) => sum + n, 0);
  return (
    `t=${elapsed}s  generation ${generation}${left}  lease ${holder.padEnd(9)} IdP calls ${idpCalls}  ` +
    `versions ${secret?.census.total ?? '–'}  served ${fleet.recorder.calls}  min validity ${minLeft}  expired ${fleet.recorder.servedExpired}  errors ${errors}` +
    (grant === undefined ? '' : `  grant ${grant.revoked ? 'REVOKED' : 'alive'}`)
  );
}
