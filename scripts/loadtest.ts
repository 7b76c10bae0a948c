/**
 * `npm run loadtest -- [options]`: the same workload under the naive, in-process and locked
 * strategies (and chosen faults), with a table, a JSON report and an SVG chart at the end.
 * `--regions us-east-1,eu-west-1,ap-southeast-2` runs them across Regions of the local emulator
 * (replicated with `--replication-lag-ms`) and adds a per-Region table.
 * Run `npm run loadtest -- --help` for the options.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { renderChart } from './loadtest/chart.js';
import { runLoadTest } from './loadtest/harness.js';
import {
  ALL_FAULTS_SHORTHAND,
  CLIENT_KINDS,
  type ClientKind,
  DEFAULT_LOADTEST_REPLICATION_LAG_MS,
  FAULT_NAMES,
  resolveLoadTestOptions,
  type FaultName,
} from './loadtest/options.js';
import { DEFAULT_PRICES } from './loadtest/prices.js';
import { progressPrinter } from './loadtest/progress.js';
import { formatRegionTables } from './loadtest/region-table.js';
import { failingRuns } from './loadtest/regions.js';
import type { RunResult } from './loadtest/run-result.js';
import { formatStrikeSummary } from './loadtest/strike-summary.js';
import { IDP_KINDS, type IdpKind, STRATEGY_NAMES, type StrategyName } from './loadtest/strategies/types.js';
import { formatFootnote, formatMarkdownTable, formatTargets, formatTextTable } from './loadtest/table.js';
import { runMain } from './support/run-main.js';

const number = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new InvalidArgumentError(`"${value}" is not a number.`);
  return parsed;
};
const list =
  <T extends string>(allowed: readonly T[], all: readonly T[] = allowed) =>
  (value: string): T[] => {
    const names = value === 'all' ? [...all] : value.split(',').map((name) => name.trim());
    for (const name of names) {
      if (!allowed.includes(name as T)) throw new InvalidArgumentError(`"${name}" is not one of ${allowed.join(', ')}, all.`);
    }
    return names as T[];
  };

const program = new Command('loadtest')
  .description('Load-test token refresh strategies: P worker processes × C callers calling getToken() for D seconds.')
  .addOption(new Option('-s, --strategies <list>', `comma-separated: ${STRATEGY_NAMES.join(', ')}, or all`).argParser(list(STRATEGY_NAMES)))
  .addOption(
    new Option(
      '-f, --faults <list>',
      `comma-separated: ${FAULT_NAMES.join(', ')}, or all (replication-paused only by name, with --regions)`,
    ).argParser(list(FAULT_NAMES, ALL_FAULTS_SHORTHAND)),
  )
  .option(
    '--regions <list>',
    'several Regions on the local emulator, e.g. us-east-1,eu-west-1,ap-southeast-2: processes dealt out over them, each reading its replica; the first is the primary (writes, lease table)',
    (value: string) => value.split(',').map((name) => name.trim()),
  )
  .option(
    '--replication-lag-ms <ms>',
    `with --regions: the emulator's lag from a primary write to each replica (default ${DEFAULT_LOADTEST_REPLICATION_LAG_MS})`,
    number,
  )
  .option('-p, --processes <n>', 'worker processes (default 8)', number)
  .addOption(
    new Option('--clients <kind>', "the locked strategy's callers: node (getToken), extension (the Agent API of an extension), mixed").choices([
      ...CLIENT_KINDS,
    ]),
  )
  .addOption(
    new Option(
      '--idp <kind>',
      'identity provider: plain (a token per call), rotating (refresh tokens valid once; a reused one revokes the grant)',
    ).choices([...IDP_KINDS]),
  )
  .option('--kill-spread-ms <ms>', 'kill-holder with --idp rotating: kill the holder up to this long after the IdP answered (default 40)', number)
  .option('-c, --concurrency <n>', 'concurrent callers per process (default 50)', number)
  .option('-l, --lifetime <seconds>', 'token lifetime (default 10)', number)
  .option('-d, --duration <seconds>', 'length of each run (default 60)', number)
  .option('--lease-ms <ms>', 'lease of the locked strategy (default lifetime/5, 1–10 s)', number)
  .option('--think-ms <ms>', 'pause between two calls of one caller (default 10)', number)
  .option('--seed <n>', 'seed of jitter and injected faults (default 1)', number)
  .option('--repeat <n>', 'run every strategy and fault n times, with seeds seed, seed+1, … (default 1)', number)
  .addOption(new Option('--target <where>', 'local: embedded dynalite + emulator; aws: the SDK configuration').choices(['local', 'aws']))
  .option('--secret-prefix <name>', 'prefix of the secrets the runs create')
  .option('--lock-table <name>', 'lease table (created when missing)')
  .option('--write-rate <perSecond>', "emulator's secret-write throttle (default 50, as AWS)", number)
  .option('--slow-idp-ms <ms>', 'added IdP latency of the slow-idp fault (default lease/2)', number)
  .option('--fault-rate <0..1>', 'rate of sm-throttle and drop-response faults (default 0.3)', number)
  .option('--price-secret <usd>', `per secret per month (default ${DEFAULT_PRICES.secretPerMonth})`, number)
  .option('--price-sm-calls <usd>', `per 10,000 Secrets Manager calls (default ${DEFAULT_PRICES.secretsManagerPer10kCalls})`, number)
  .option('--price-ddb-writes <usd>', `per million DynamoDB writes (default ${DEFAULT_PRICES.dynamodbPerMillionWrites})`, number)
  .option('--price-ddb-reads <usd>', `per million DynamoDB reads (default ${DEFAULT_PRICES.dynamodbPerMillionReads})`, number)
  .option('--price-idp-call <usd>', 'per IdP call (default 0)', number)
  .option('--prices-read-on <date>', `when the prices were read (default ${DEFAULT_PRICES.readOn})`)
  .option('--out-dir <dir>', 'folder for the JSON report and the SVG chart (default reports/loadtest)')
  .option('--svg <file>', 'also write the chart here (e.g. docs/loadtest.svg)')
  .option('--markdown', 'also print the table as Markdown')
  .option('--check', 'exit with status 1 when a target of the locked strategy is missed')
  .option('--no-progress', 'no live progress line')
  .addHelpText(
    'after',
    "\nAgainst real AWS: --target aws uses the SDK's standard configuration (AWS_PROFILE/AWS_REGION, credentials);\n" +
      'the runs create secrets named <secret-prefix>-<strategy>-<fault>-<time> and the lease table if missing.\n' +
      'Faults sm-throttle and drop-response need the local emulator.',
  );

async function main(): Promise<void> {
  const flags = program.parse().opts<Record<string, unknown>>();
  const seconds = (value: unknown): number | undefined => (typeof value === 'number' ? value * 1000 : undefined);
  const given = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
  const options = resolveLoadTestOptions(
    stripUndefined({
      strategies: flags.strategies as StrategyName[] | undefined,
      faults: flags.faults as FaultName[] | undefined,
      processes: given(flags.processes),
      clients: flags.clients as ClientKind | undefined,
      idp: flags.idp as IdpKind | undefined,
      killSpreadMs: given(flags.killSpreadMs),
      concurrency: given(flags.concurrency),
      lifetimeMs: seconds(flags.lifetime),
      durationMs: seconds(flags.duration),
      leaseMs: given(flags.leaseMs),
      thinkMs: given(flags.thinkMs),
      seed: given(flags.seed),
      target: flags.target as 'local' | 'aws' | undefined,
      secretPrefix: flags.secretPrefix as string | undefined,
      lockTable: flags.lockTable as string | undefined,
      writeRatePerSecond: given(flags.writeRate),
      slowIdpMs: given(flags.slowIdpMs),
      faultRate: given(flags.faultRate),
      outDir: flags.outDir as string | undefined,
      progress: flags.progress !== false,
      regions: flags.regions as string[] | undefined,
      replicationLagMs: given(flags.replicationLagMs),
      prices: {
        ...DEFAULT_PRICES,
        ...stripUndefined({
          secretPerMonth: given(flags.priceSecret),
          secretsManagerPer10kCalls: given(flags.priceSmCalls),
          dynamodbPerMillionWrites: given(flags.priceDdbWrites),
          dynamodbPerMillionReads: given(flags.priceDdbReads),
          identityProviderPerCall: given(flags.priceIdpCall),
          readOn: flags.pricesReadOn as string | undefined,
        }),
      },
    }),
  );

  const repeat = given(flags.repeat) ?? 1;
  if (!(Number.isInteger(repeat) && repeat >= 1)) throw new InvalidArgumentError(`--repeat must be a whole number ≥ 1; got ${repeat}.`);
  const results: RunResult[] = [];
  const printer = progressPrinter();
  // Another seed per repetition: kill delays and jitter differ, so repeated runs add evidence.
  for (let repetition = 0; repetition < repeat; repetition += 1) {
    const seeded = { ...options, seed: options.seed + repetition };
    for (const fault of options.faults) {
      for (const strategy of options.strategies) {
        if (!options.progress) process.stdout.write(`running ${strategy} / ${fault}${repeat > 1 ? ` / seed ${seeded.seed}` : ''} …\n`);
        results.push(await runLoadTest(strategy, fault, seeded, options.progress ? printer.update : undefined));
        printer.done();
      }
    }
  }

  await mkdir(options.outDir, { recursive: true });
  const stamp = new Date().toISOString().replaceAll(':', '-').replace(/\..*/, '');
  const jsonPath = join(options.outDir, `loadtest-${stamp}.json`);
  const svgPath = join(options.outDir, `loadtest-${stamp}.svg`);
  const chart = renderChart(results);
  await writeFile(jsonPath, `${JSON.stringify({ options, results }, null, 2)}\n`);
  await writeFile(svgPath, chart);
  if (typeof flags.svg === 'string') await writeFile(flags.svg, chart);

  const strikes = formatStrikeSummary(results);
  process.stdout.write(
    `\n${formatTextTable(results)}\n\n${formatFootnote(results)}\n\n${strikes === '' ? '' : `${strikes}\n\n`}${formatTargets(results)}\n\n`,
  );
  if (flags.markdown === true) process.stdout.write(`${formatMarkdownTable(results)}\n\n`);
  const regionTables = formatRegionTables(results);
  if (regionTables !== '') process.stdout.write(`${regionTables}\n\n`);
  process.stdout.write(`JSON report: ${jsonPath}\nChart: ${svgPath}${typeof flags.svg === 'string' ? ` and ${flags.svg}` : ''}\n`);
  if (flags.check === true && failingRuns(results).length > 0) process.exitCode = 1;
}

/** Drops absent flags, so that the option defaults apply to them. */
function stripUndefined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

runMain(main);
