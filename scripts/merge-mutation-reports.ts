/**
 * `node --import tsx scripts/merge-mutation-reports.ts <out.json> <report.json>...`: joins StrykerJS
 * reports of runs over disjoint files (`--mutate 'src/lock/**' --incrementalFile reports/lock.json`,
 * then src/refresher, on a machine too small for one run) into one, which `npm run test:mutation`
 * then takes as its incremental file: it reuses every result whose code and tests are unchanged,
 * tests the rest, and reports one score over both folders.
 *
 * Each run numbers its tests from 0, so a test is matched across reports by its file and name and
 * renumbered; a mutated file that more than one report holds is taken from the last of them.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { ConfigurationError } from '../src/index.js';
import { mergeMutationReports, type MutationReport } from './mutation/merge-reports.js';
import { runMain } from './support/run-main.js';

async function main(): Promise<void> {
  const [out, ...inputs] = process.argv.slice(2);
  if (out === undefined || inputs.length === 0) {
    throw new ConfigurationError('usage: node --import tsx scripts/merge-mutation-reports.ts <out.json> <report.json>...');
  }
  const reports = await Promise.all(inputs.map(async (input) => JSON.parse(await readFile(input, 'utf8')) as MutationReport));
  const merged = mergeMutationReports(reports);
  await writeFile(out, JSON.stringify(merged));
  const mutants = Object.values(merged.files).reduce((sum, file) => sum + file.mutants.length, 0);
  process.stdout.write(`${out}: ${Object.keys(merged.files).length} mutated files, ${mutants} mutants, ${inputs.length} reports\n`);
}

runMain(main);
