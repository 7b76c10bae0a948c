/**
 * `tsx scripts/loadtest/chart-from-report.ts <report.json> <chart.svg> [strategy/fault …]`: redraws
 * the chart of a saved load-test or simulation report, optionally only some of its runs (e.g.
 * `locked/none naive/none`), without running anything again.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { renderChart } from './chart.js';
import type { RunResult } from './run-result.js';

async function main(): Promise<void> {
  const [reportPath, svgPath, ...only] = process.argv.slice(2);
  if (reportPath === undefined || svgPath === undefined) {
    process.stderr.write('usage: tsx scripts/loadtest/chart-from-report.ts <report.json> <chart.svg> [strategy/fault …]\n');
    process.exitCode = 2;
    return;
  }
  const { results } = JSON.parse(await readFile(reportPath, 'utf8')) as { results: RunResult[] };
  const chosen = only.length === 0 ? results : results.filter((result) => only.includes(`${result.strategy}/${result.fault.kind}`));
  if (chosen.length === 0) {
    process.stderr.write(`No run of ${reportPath} matches ${only.join(', ')}.\n`);
    process.exitCode = 1;
    return;
  }
  const title = chosen.every((result) => result.target === 'simulation') ? 'token-refresher fleet simulation' : 'token-refresher load test';
  await writeFile(svgPath, renderChart(chosen, title));
  process.stdout.write(`${svgPath}: ${chosen.length} run(s)\n`);
}

void main();
