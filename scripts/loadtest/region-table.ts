import type { ReplicaLagObserved } from './replica-probe.js';
import type { RunResult } from './run-result.js';

const count = (value: number | null | undefined): string => (value === null || value === undefined ? '–' : value.toLocaleString('en-US'));
const named = (counts: Record<string, number>): string => {
  const entries = Object.entries(counts);
  return entries.length === 0 ? '0' : entries.map(([name, value]) => `${value.toLocaleString('en-US')} ${name}`).join(', ');
};

const inSync = (lag: ReplicaLagObserved | null): string => {
  if (lag === null) return '–';
  return lag.inSyncAtEnd ? 'yes' : `no (${count(lag.versionsMissing)} versions behind)`;
};

/**
 * The per-Region table of each multi-Region run, as Markdown (also readable in a terminal): a line
 * with what the fleet did worldwide (generations, IdP calls, versions), then per Region its
 * processes, calls, GetSecretValue answered there and sent to the primary, replica-behind reads, the
 * replica lag observed, expired and rolled-back tokens and caller errors. Runs without Regions are skipped.
 *
 * @example
 * ```ts
 * console.log(formatRegionTables(results));
 * ```
 */
export function formatRegionTables(results: readonly RunResult[]): string {
  const blocks: string[] = [];
  for (const result of results) {
    const regions = result.multiRegion;
    if (regions === undefined) continue;
    const idpCalls = result.idp.calls - result.idp.cutOffAtEnd;
    const perGeneration = result.generations > 0 ? (idpCalls / result.generations).toFixed(2) : '–';
    const lines = [
      `**${result.strategy}** — ${result.fault.label ?? result.fault.kind}: worldwide ${count(result.generations)} generations, ` +
        `${count(result.idp.calls)} IdP calls (${perGeneration} per generation${result.idp.cutOffAtEnd > 0 ? `, ${result.idp.cutOffAtEnd} cut off at the end left out` : ''}), ` +
        `${count(result.versions.created)} versions; DynamoDB ${count(result.dynamodb.reads)} reads / ${count(result.dynamodb.writes)} writes.`,
      '',
      '| Region | processes | getToken calls | GetSecretValue answered here | GetSecretValue to the primary | replica behind → primary | replica lag observed, median / max ms | in sync at the end | expired | rollbacks | caller errors |',
      '|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---|',
    ];
    for (const region of regions.perRegion) {
      const lag = region.replicaLag;
      lines.push(
        `| ${region.region === regions.primary ? `${region.region} (primary)` : region.region} | ${count(region.processes)} | ${count(region.calls)} | ` +
          `${count(region.getSecretValue.servedHere)} | ${count(region.getSecretValue.toPrimary)} | ${count(region.replicaBehind)} | ` +
          `${lag?.lagMs ? `${count(lag.lagMs.median)} / ${count(lag.lagMs.max)}` : '–'} | ${inSync(lag)} | ` +
          `${count(region.servedExpired)} | ${count(region.olderAfterNewer)} | ${named(region.errors)} |`,
      );
    }
    lines.push(
      `| **fleet** | ${count(result.settings.processes)} | ${count(result.latencyMs.calls)} | ${count(result.secretsManager.calls.GetSecretValue ?? 0)} | | | | | ` +
        `${count(result.validity.servedExpired)} | ${count(result.validity.olderAfterNewer)} | ${named(result.errors)} |`,
    );
    blocks.push(lines.join('\n'));
  }
  return blocks.join('\n\n');
}
