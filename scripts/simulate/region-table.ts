import type { RunResult } from '../loadtest/run-result.js';
import type { RegionsReport } from './region-checks.js';

const count = (value: number | null | undefined): string => (value === null || value === undefined ? '–' : value.toLocaleString('en-US'));
const seconds = (ms: number | null): string => (ms === null ? '–' : `${(ms / 1000).toFixed(1)} s`);
const named = (counts: Record<string, number>): string => {
  const entries = Object.entries(counts);
  return entries.length === 0 ? '0' : entries.map(([name, value]) => `${value.toLocaleString('en-US')} ${name}`).join(', ');
};

/**
 * The per-Region table of a multi-Region run, as Markdown (also readable as text): environments,
 * calls, GetSecretValue answered by the Region and sent to the primary, replica-behind reads,
 * expired and rolled-back tokens, errors.
 *
 * @example
 * ```ts
 * console.log(formatRegionTable(result, result.regions));
 * ```
 */
export function formatRegionTable(result: RunResult, regions: RegionsReport): string {
  const lines = [
    '| Region | environments | getToken calls | GetSecretValue answered here | GetSecretValue to the primary | replica behind → primary | expired | rollbacks | caller errors | p99 ms |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|---:|',
  ];
  for (const region of regions.perRegion) {
    const name = region.region === regions.primary ? `${region.region} (primary)` : region.region;
    lines.push(
      `| ${name} | ${count(region.environments)} | ${count(region.calls)} | ${count(region.getSecretValue.servedHere)} | ${count(region.getSecretValue.toPrimary)} | ` +
        `${count(region.replicaBehind)} | ${count(region.servedExpired)} | ${count(region.olderAfterNewer)} | ${named(region.errors)} | ${region.latencyP99Ms} |`,
    );
  }
  lines.push(
    `| **fleet** | ${count(result.settings.processes)} | ${count(result.latencyMs.calls)} | ${count(result.secretsManager.calls.GetSecretValue ?? 0)} | | | ` +
      `${count(result.validity.servedExpired)} | ${count(result.validity.olderAfterNewer)} | ${named(result.errors)} | ${result.latencyMs.p99} |`,
  );
  const rtts = Object.entries(regions.rttMs)
    .map(([pair, ms]) => `${pair.replace('|', '↔')} ${ms} ms`)
    .join(', ');
  lines.push(
    '',
    `Primary ${regions.primary}; round trips ${rtts}; replication lag ${regions.replicationLagMs.min}–${regions.replicationLagMs.max} ms per change. ` +
      `${count(result.generations)} generations, ${count(result.idp.calls)} IdP calls, ${count(result.versions.created)} versions ` +
      `(PutSecretValue ${count(result.secretsManager.calls.PutSecretValue ?? 0)}, UpdateSecretVersionStage ${count(result.secretsManager.calls.UpdateSecretVersionStage ?? 0)}); ` +
      `DynamoDB ${count(result.dynamodb.reads)} reads / ${count(result.dynamodb.writes)} writes / ${count(result.dynamodb.failedConditionalWrites)} failed conditional; ` +
      `replicas in sync at the end: ${regions.replicasInSyncAtEnd ? 'yes' : 'no'}.`,
  );
  const loss = regions.regionLoss;
  if (loss !== undefined) {
    lines.push(
      '',
      `Region loss: ${loss.region} unreachable from ${seconds(loss.fromMs)} for ${seconds(loss.durationMs)} (calls there fail after ${loss.timeoutMs} ms); ` +
        `${count(loss.idpCallsDuringLoss)} IdP calls during the loss; first token minted ${seconds(loss.firstMintAfterReturnMs)} after the return.`,
      '',
      '| Region | served during the loss | last served before its first error (after the loss began) | first error (after the loss began) | errors during the loss | errors after the return | last error (after the return) | new token served (after the return) |',
      '|---|---:|---:|---:|---|---|---:|---:|',
    );
    for (const region of loss.perRegion) {
      lines.push(
        `| ${region.region} | ${count(region.servedDuringLoss)} | ${seconds(region.lastServedDuringLossMs)} | ${seconds(region.firstErrorAfterLossMs)} | ` +
          `${named(region.errorsDuringLoss)} | ${named(region.errorsAfterReturn)} | ${seconds(region.lastErrorAfterReturnMs)} | ${seconds(region.newTokenServedAfterReturnMs)} |`,
      );
    }
  }
  return lines.join('\n');
}
