/**
 * `npm run simulate -- [options]`: the fleet simulation. The real strategies (for `locked`, the
 * real TokenRefresher and LeaseLock) run under virtual time against the emulator's Secrets Manager
 * model and the lock's in-memory table, so a day of 10,000 environments takes minutes.
 * `--compare-loadtest` also runs the real load test with the same workload (P=8 by default) and
 * prints both, to show that they agree where their ranges overlap.
 *
 * `--regions us-east-1,eu-west-1,ap-southeast-2` spreads the environments over Regions: each reads
 * its Region's replica, the lease table and the secret's writes are in the primary (the first
 * Region), calls between Regions pay their round trip (`--rtt`) and each change reaches the
 * replicas after `--replication-lag-ms`. `--region-loss` takes the primary away for a while. The
 * run exits non-zero when a check fails (one IdP call and one version per generation, no expired
 * token, no rollback, per Region and for the fleet; with a loss, typed errors and recovery).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { renderChart } from './loadtest/chart.js';
import { runLoadTest } from './loadtest/harness.js';
import { resolveLoadTestOptions } from './loadtest/options.js';
import type { RunResult } from './loadtest/run-result.js';
import { STRATEGY_NAMES, type StrategyName } from './loadtest/strategies/types.js';
import { formatFootnote, formatMarkdownTable, formatTargets, formatTextTable } from './loadtest/table.js';
import { resolveSimulationOptions, simulateFleet, workloadOf, type FleetSimulationOptions, type SimulationResult } from './simulate/fleet.js';
import { isGatingCheck } from './simulate/region-checks.js';
import { DEFAULT_REPLICATION_LAG_MS, parseLagRange, parseRttTable } from './simulate/region-latency.js';
import { formatRegionTable } from './simulate/region-table.js';
import { runMain } from './support/run-main.js';

const number = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new InvalidArgumentError(`"${value}" is not a number.`);
  return parsed;
};
const asOption =
  <T>(parse: (value: string) => T) =>
  (value: string): T => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
    }
  };
const regionList = (value: string): string[] =>
  value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
/** `start+duration` in seconds after the run's start, e.g. `21600+7200`. */
const regionLoss = (value: string): { startMs: number; durationMs: number } => {
  const match = /^(\d+(?:\.\d+)?)\+(\d+(?:\.\d+)?)$/.exec(value.trim());
  if (match === null) throw new InvalidArgumentError(`"${value}" is not <start seconds>+<duration seconds>.`);
  return { startMs: Number(match[1]) * 1000, durationMs: Number(match[2]) * 1000 };
};

const strategies = (value: string): StrategyName[] => {
  const names = value === 'all' ? [...STRATEGY_NAMES] : value.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!STRATEGY_NAMES.includes(name as StrategyName)) throw new InvalidArgumentError(`"${name}" is not one of ${STRATEGY_NAMES.join(', ')}, all.`);
  }
  return names as StrategyName[];
};

/** The load test's default workload, with loopback-like latencies: where simulation and load test overlap. */
const LOADTEST_PRESET: Partial<FleetSimulationOptions> = {
  environments: 8,
  callersPerEnvironment: 50,
  lifetimeMs: 10_000,
  durationMs: 60_000,
  thinkMs: 10,
  thinkDistribution: 'fixed',
  rampUpMs: 0,
  secretsManagerLatencyMs: 2,
  dynamodbLatencyMs: 2,
  idpLatencyMs: 2,
  binMs: 1_000,
};

const program = new Command('simulate-fleet')
  .description('Simulate a fleet sharing one token under virtual time, with the real refresher code.')
  .option('-s, --strategies <list>', `comma-separated: ${STRATEGY_NAMES.join(', ')}, or all (default locked)`, strategies)
  .addOption(
    new Option('--preset <name>', 'lambda-day: 10,000 environments for 24 h (default); loadtest: the load test workload').choices([
      'lambda-day',
      'loadtest',
    ]),
  )
  .option('-e, --environments <n>', 'simulated environments (default 10000)', number)
  .option('-c, --callers <n>', 'concurrent callers per environment (default 1)', number)
  .option('-l, --lifetime <seconds>', 'token lifetime (default 3600)', number)
  .option('-d, --duration <seconds>', 'virtual time to simulate (default 86400)', number)
  .option('--think-ms <ms>', 'mean pause between calls of one caller (default 300000)', number)
  .addOption(new Option('--think <distribution>', 'pause distribution (default exponential)').choices(['fixed', 'exponential']))
  .option('--ramp-ms <ms>', 'environments start spread over this long (default 60000)', number)
  .option('--lease-ms <ms>', 'lease (default lifetime/5, 1–10 s)', number)
  .option('--poll-ms <ms>', 'contender poll interval (default 250)', number)
  .option('--sm-latency-ms <ms>', 'Secrets Manager round trip (default 10)', number)
  .option('--ddb-latency-ms <ms>', 'DynamoDB round trip (default 5)', number)
  .option('--idp-latency-ms <ms>', 'identity provider round trip (default 100)', number)
  .option('--write-rate <perSecond>', 'secret-write throttle (default 50)', number)
  .option('--skew-ms <ms>', 'wall-clock skew of each environment, uniform in ± this (default 0)', number)
  .option('--seed <n>', 'seed (default 1)', number)
  .option(
    '--regions <list>',
    'several Regions, e.g. us-east-1,eu-west-1,ap-southeast-2: environments spread evenly; the first is the primary',
    regionList,
  )
  .option('--primary-region <name>', "the secret's primary Region and the lease table's (default the first of --regions)")
  .option(
    '--rtt <pairs>',
    'round trips between Regions, e.g. us-east-1:eu-west-1=75,us-east-1:ap-southeast-2=200 (defaults: scripts/simulate/region-latency.ts)',
    asOption(parseRttTable),
  )
  .option(
    '--replication-lag-ms <ms|min-max>',
    `Secrets Manager replication lag per change, uniform in the range (default ${DEFAULT_REPLICATION_LAG_MS.min}-${DEFAULT_REPLICATION_LAG_MS.max}; AWS documents none)`,
    asOption(parseLagRange),
  )
  .option('--region-loss <start+duration>', 'lose the primary Region from <start> for <duration> seconds, e.g. 21600+7200', regionLoss)
  .option('--loss-timeout-ms <ms>', 'a call to the lost Region fails after this long (default 2000)', number)
  .option('--check', 'exit non-zero when a check fails (always on with --regions)')
  .option('--compare-loadtest', 'also run the real load test with the same workload and print both')
  .option('--out-dir <dir>', 'folder for the JSON report and the SVG chart (default reports/simulate)')
  .option('--svg <file>', 'also write the chart here')
  .option('--markdown', 'also print the table as Markdown');

async function main(): Promise<void> {
  const flags = program.parse().opts<Record<string, unknown>>();
  const given = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
  const seconds = (value: unknown): number | undefined => (typeof value === 'number' ? value * 1000 : undefined);
  const preset = flags.preset === 'loadtest' ? LOADTEST_PRESET : {};
  const overrides = Object.fromEntries(
    Object.entries({
      environments: given(flags.environments),
      callersPerEnvironment: given(flags.callers),
      lifetimeMs: seconds(flags.lifetime),
      durationMs: seconds(flags.duration),
      thinkMs: given(flags.thinkMs),
      thinkDistribution: flags.think as 'fixed' | 'exponential' | undefined,
      rampUpMs: given(flags.rampMs),
      leaseMs: given(flags.leaseMs),
      pollMs: given(flags.pollMs),
      secretsManagerLatencyMs: given(flags.smLatencyMs),
      dynamodbLatencyMs: given(flags.ddbLatencyMs),
      idpLatencyMs: given(flags.idpLatencyMs),
      writeRatePerSecond: given(flags.writeRate),
      clockSkewMs: given(flags.skewMs),
      seed: given(flags.seed),
      regions: flags.regions as string[] | undefined,
      primaryRegion: typeof flags.primaryRegion === 'string' ? flags.primaryRegion : undefined,
      interRegionRttMs: flags.rtt as Record<string, number> | undefined,
      replicationLagMs: flags.replicationLagMs as { min: number; max: number } | undefined,
      regionLoss:
        flags.regionLoss === undefined
          ? undefined
          : { ...(flags.regionLoss as { startMs: number; durationMs: number }), timeoutMs: given(flags.lossTimeoutMs) ?? 2_000 },
    }).filter(([, value]) => value !== undefined),
  ) as Partial<FleetSimulationOptions>;

  const results: RunResult[] = [];
  const regional: SimulationResult[] = [];
  for (const strategy of (flags.strategies as StrategyName[] | undefined) ?? ['locked']) {
    const options = resolveSimulationOptions({ ...preset, ...overrides, strategy });
    const result = await simulateFleet(options, (progress) => {
      process.stdout.write(
        `[simulate ${strategy}] virtual ${(progress.virtualMs / 3_600_000).toFixed(2)} h in ${(progress.realMs / 1000).toFixed(1)} s real, ` +
          `${progress.events} events, ${progress.generations} generations, ${progress.idpCalls} IdP calls\n`,
      );
    });
    process.stdout.write(
      `[simulate ${strategy}] ${options.environments} environments × ${options.durationMs / 3_600_000} h: ` +
        `${(result.simulation.realMs / 1000).toFixed(1)} s real, ${result.simulation.events} events\n`,
    );
    results.push(result);
    if (result.regions !== undefined) regional.push(result);
    if (flags.compareLoadtest === true) {
      const loadOptions = resolveLoadTestOptions({ strategies: [strategy], ...workloadOf(options), binMs: options.binMs });
      process.stdout.write(`[loadtest ${strategy}] the same workload with real processes …\n`);
      results.push(await runLoadTest(strategy, 'none', loadOptions));
    }
  }

  const outDir = typeof flags.outDir === 'string' ? flags.outDir : 'reports/simulate';
  await mkdir(outDir, { recursive: true });
  const stamp = new Date().toISOString().replaceAll(':', '-').replace(/\..*/, '');
  const jsonPath = join(outDir, `simulate-${stamp}.json`);
  const svgPath = join(outDir, `simulate-${stamp}.svg`);
  const chart = renderChart(results, 'token-refresher fleet simulation');
  await writeFile(jsonPath, `${JSON.stringify({ results }, null, 2)}\n`);
  await writeFile(svgPath, chart);
  if (typeof flags.svg === 'string') await writeFile(flags.svg, chart);
  process.stdout.write(`\n${formatTextTable(results)}\n\n${formatFootnote(results)}\n\n${formatTargets(results)}\n\n`);
  if (flags.markdown === true) process.stdout.write(`${formatMarkdownTable(results)}\n\n`);
  for (const result of regional) if (result.regions !== undefined) process.stdout.write(`${formatRegionTable(result, result.regions)}\n\n`);
  process.stdout.write(`JSON report: ${jsonPath}\nChart: ${svgPath}\n`);
  const gate = flags.check === true || regional.length > 0;
  const failed = results.flatMap((result) =>
    result.targets.filter((check) => !check.ok && (flags.check === true || (result.target === 'simulation' && isGatingCheck(check.name)))),
  );
  if (gate && failed.length > 0) {
    process.stdout.write(`\n${failed.length} check(s) failed: ${failed.map((check) => check.name).join('; ')}\n`);
    process.exitCode = 1;
  }
}

runMain(main);
