import type { RunResult } from './run-result.js';

interface Column {
  header: string;
  value(result: RunResult): string;
}

const count = (value: number | null | undefined): string => (value === null || value === undefined ? '–' : String(value));
const ms = (value: number): string => (value < 10 ? value.toFixed(2) : value.toFixed(0));
const seconds = (value: number | null): string => (value === null ? '–' : (value / 1000).toFixed(2));
const errorTotal = (errors: Record<string, number>): number => Object.values(errors).reduce((sum, n) => sum + n, 0);

const COLUMNS: Column[] = [
  { header: 'strategy', value: (r) => r.strategy },
  { header: 'run', value: (r) => r.target },
  { header: 'fault', value: (r) => r.fault.kind },
  // Repeated runs (--repeat) differ only by their seed: it tells their rows apart.
  { header: 'seed', value: (r) => String(r.settings.seed) },
  { header: 'gens', value: (r) => count(r.generations) },
  { header: 'IdP calls', value: (r) => count(r.idp.calls) },
  { header: 'versions (alive)', value: (r) => `${r.versions.created} (${count(r.versions.alive)})` },
  {
    header: 'Get/Put/Stage',
    value: (r) =>
      [r.secretsManager.calls.GetSecretValue, r.secretsManager.calls.PutSecretValue, r.secretsManager.calls.UpdateSecretVersionStage]
        .map((n) => count(n ?? 0))
        .join('/'),
  },
  { header: 'throttled', value: (r) => count(r.secretsManager.throttled) },
  { header: 'DDB r/w/ccf', value: (r) => `${r.dynamodb.reads}/${r.dynamodb.writes}/${r.dynamodb.failedConditionalWrites}` },
  { header: 'p50/p99/max ms', value: (r) => `${ms(r.latencyMs.p50)}/${ms(r.latencyMs.p99)}/${ms(r.latencyMs.max)}` },
  { header: 'p99 valid ms', value: (r) => ms(r.latencyWhileValidMs.p99) },
  { header: 'min left s', value: (r) => seconds(r.validity.minRemainingMs) },
  { header: 'expired', value: (r) => count(r.validity.servedExpired) },
  { header: 'waits/takeovers', value: (r) => `${r.waits}/${r.takeovers}` },
  { header: 'errors', value: (r) => count(errorTotal(r.errors)) },
  { header: 'grant revoked at', value: (r) => (r.grant?.revokedAtMs === null || r.grant === undefined ? '–' : `${seconds(r.grant.revokedAtMs)} s`) },
  { header: 'invalid_grant', value: (r) => (r.grant === undefined ? '–' : String(r.grant.invalidGrants)) },
  { header: 'versions/24h', value: (r) => `${Math.round(r.projection.versionsPer24h)}${r.projection.withinQuota ? '' : ' (over 100)'}` },
  { header: '$/month', value: (r) => r.projection.monthlyUsd.total.toFixed(2) },
];

/**
 * The end-of-run table, one row per run, as aligned plain text for the terminal.
 *
 * @example
 * ```ts
 * console.log(formatTextTable(results));
 * ```
 */
export function formatTextTable(results: readonly RunResult[]): string {
  const rows = [COLUMNS.map((column) => column.header), ...results.map((result) => COLUMNS.map((column) => column.value(result)))];
  const widths = COLUMNS.map((_, index) => Math.max(...rows.map((row) => (row[index] ?? '').length)));
  const line = (row: string[]): string =>
    row
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(rows[0] ?? []), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** The same table as GitHub-flavoured Markdown, for the README. */
export function formatMarkdownTable(results: readonly RunResult[]): string {
  const escapeCell = (cell: string): string => cell.replaceAll('|', '\\|');
  return [
    `| ${COLUMNS.map((column) => escapeCell(column.header)).join(' | ')} |`,
    `| ${COLUMNS.map(() => '---').join(' | ')} |`,
    ...results.map((result) => `| ${COLUMNS.map((column) => escapeCell(column.value(result))).join(' | ')} |`),
  ].join('\n');
}

/** The target checks of every run, one line each, with ✔/✘. */
export function formatTargets(results: readonly RunResult[]): string {
  const lines: string[] = [];
  for (const result of results) {
    for (const check of result.targets) {
      lines.push(
        `${check.ok ? 'PASS' : 'FAIL'}  ${result.strategy}/${result.fault.kind}: ${check.name} = ${count(check.actual)} (target ${check.limit})`,
      );
    }
  }
  return lines.join('\n');
}

/** Where prices came from, and the run settings, for the footer of the table. */
export function formatFootnote(results: readonly RunResult[]): string {
  const first = results[0];
  if (first === undefined) return '';
  const s = first.settings;
  return [
    `P=${s.processes} processes × C=${s.concurrency} callers, token lifetime ${s.lifetimeMs / 1000} s, ${s.durationMs / 1000} s per run, ` +
      `lease ${s.leaseMs} ms, think time ${s.thinkMs} ms, Secrets Manager write throttle ${s.writeRatePerSecond}/s, ` +
      (results.some((result) => result.idpKind === 'rotating')
        ? 'identity provider rotating refresh tokens (a reused one revokes the grant; grant revoked at: seconds into the run), '
        : '') +
      `run on: ${[...new Set(results.map((result) => result.target))].join(', ')}.`,
    `Cost at list prices read on ${first.projection.pricesReadOn} (${first.projection.pricesSource}); ` +
      'versions/24h and $/month scale the measured rates, for this fleet, to a day and a 30-day month.',
  ].join('\n');
}
