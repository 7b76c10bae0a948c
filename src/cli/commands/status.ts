import type { Command } from 'commander';
import { status, type SecretStatus } from '../../refresher/operations.js';
import { parseCount, parseSeconds } from '../options.js';
import { formatDuration, print } from '../output.js';

interface StatusCommandOptions {
  secretId: string;
  table: string;
  label?: string;
  replicaRegions?: string[];
  json?: boolean;
  watch?: boolean;
  interval: number;
  frames?: number;
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description("Show the managed token's generation, expiry and version, the lease, and the version census. Never the token.")
    .requiredOption('--secret-id <id>', 'the secret: name or ARN')
    .requiredOption('--table <name>', 'the lease table')
    .option('--label <label>', 'the staging label the refreshers manage', 'AWSCURRENT')
    .option('--replica-regions <regions>', 'comma-separated Regions holding replicas: show the version each one holds', (value: string) =>
      value.split(',').map((region) => region.trim()),
    )
    .option('--json', 'print the report as JSON')
    .option('--watch', 'redraw the report every --interval seconds until Ctrl-C')
    .option('--interval <seconds>', 'seconds between two reports with --watch', parseSeconds, 2)
    .option('--frames <count>', 'with --watch, stop after this many reports', parseCount)
    .action(async (options: StatusCommandOptions) => {
      const read = () =>
        status({
          secretId: options.secretId,
          lockTable: options.table,
          ...(options.label ? { label: options.label } : {}),
          ...(options.replicaRegions ? { replicaRegions: options.replicaRegions } : {}),
        });
      if (!options.watch) {
        const report = await read();
        print(options.json, report, () => render(report));
        return;
      }
      await watch(options, read);
    });
}

/** Redraws the report until `--frames` are shown or SIGINT/SIGTERM arrives, which end it with exit code 0. */
async function watch(options: StatusCommandOptions, read: () => Promise<SecretStatus>): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // Clear the screen only on a terminal, so piped output stays one frame after another.
  const clear = process.stdout.isTTY ? '\x1b[2J\x1b[H' : '';
  try {
    for (let frame = 1; !stop.signal.aborted; frame += 1) {
      const report = await read();
      if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else process.stdout.write(`${clear}${render(report)}\n(every ${options.interval} s, frame ${frame}; Ctrl-C to stop)\n`);
      if (options.frames !== undefined && frame >= options.frames) break;
      await sleep(options.interval * 1000, stop.signal);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function render(report: SecretStatus): string {
  const lines = [`Secret     ${report.secretId} (${report.label}; lock item ${report.lockName})`];
  const current = report.current;
  if (!report.secretExists) lines.push('Token      none yet: the secret does not exist (the first refresher creates it)');
  else if (current === undefined) lines.push(`Token      none yet: no version is labelled ${report.label}`);
  else if (current.format === 'unreadable') lines.push(`Token      version ${current.versionId} is not a token envelope: ${current.problem}`);
  else {
    const remaining = current.remainingMs ?? 0;
    lines.push(
      `Token      generation ${current.generation ?? '?'}, version ${current.versionId}`,
      `           expires ${current.expiresAt} (${remaining > 0 ? `in ${formatDuration(remaining)}` : `expired ${formatDuration(-remaining)} ago`})`,
    );
  }
  const lease = report.lease;
  if (lease === undefined) lines.push('Lease      never taken');
  else if (lease.held) lines.push(`Lease      held by ${lease.holder} (fence ${lease.fence}, until ${lease.expiresAt ?? '?'})`);
  else lines.push(`Lease      free (last fence ${lease.fence})`);
  if (report.backoff) {
    lines.push(
      `Back-off   ${report.backoff.failureCount} failed refresh(es), last ${report.backoff.errorName}: ${report.backoff.reason}; next try at ${report.backoff.retryNotBefore}`,
    );
  }
  const refreshState = report.refreshState;
  if (refreshState?.lost) {
    lines.push(
      `State      LOST: the identity provider refused the refresh state${refreshState.lostVersionId ? ` (version ${refreshState.lostVersionId})` : ''}; nobody refreshes`,
      '           re-authorize, then pipe the new state into `token-refresher seed-state`',
    );
  } else if (refreshState?.mintingFence !== undefined && refreshState.mintingFence > (refreshState.savedFence ?? 0)) {
    lines.push(`State      presented by fence ${refreshState.mintingFence}, answer not stored yet (a refresh in progress, or its holder died)`);
  } else if (refreshState?.savedFence !== undefined) {
    lines.push(`State      saved by fence ${refreshState.savedFence}`);
  }
  const census = report.census;
  lines.push(
    `Versions   ${census.total} (${census.labelled} labelled, ${census.deprecated} deprecated, ${census.createdLast24h} created in the last 24 h)`,
    `           headroom ${census.headroom} of ${census.quota} before the quota (refreshers stop at ${census.guard})`,
  );
  for (const replica of report.replicas ?? []) {
    const held = replica.versionId === undefined ? 'nothing' : `generation ${replica.generation ?? '?'}, version ${replica.versionId}`;
    const state = replica.inSync
      ? 'in sync'
      : `behind${replica.behindMs === undefined ? '' : ` for ${formatDuration(replica.behindMs)}`}${replica.problem ? `: ${replica.problem}` : ''}`;
    lines.push(`Replica    ${replica.region}: ${held} (${state})`);
  }
  return lines.join('\n');
}
