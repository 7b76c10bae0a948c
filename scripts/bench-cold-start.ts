/**
 * `node --import tsx scripts/bench-cold-start.ts [--runs 21] [--json reports/bench-cold-start.json]`:
 * what `token-refresher/lambda` adds to a Lambda cold start, next to a baseline that only imports the
 * AWS SDK clients the library uses (DynamoDB, Secrets Manager).
 *
 * Both are bundled with esbuild as a Lambda deployment would be (ESM, Node 20, minified), once with
 * the SDK left external (`@aws-sdk/*`, so the size is the library's own) and once with everything
 * inlined (the size of a self-contained deployment). Each variant then runs in `--runs` fresh Node
 * processes, interleaved so that machine noise hits all alike; each process reports the time to
 * import the bundle and the time to create what a handler creates at module scope (two SDK clients
 * for the baseline; a LambdaTokenProvider, which creates the same two clients and a lease lock).
 * Medians are printed as a markdown table.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, rm, stat, writeFile, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Command, InvalidArgumentError } from 'commander';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Inside node_modules so that bundles with the SDK left external resolve it from the project. */
const OUT = join(ROOT, 'node_modules', '.cache', 'bench-cold-start');

const BASELINE_SOURCE = `
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
export function init() {
  return [new DynamoDBClient({}), new SecretsManagerClient({})];
}
`;

const LIBRARY_SOURCE = `
import { LambdaTokenProvider } from ${JSON.stringify(join(ROOT, 'src/lambda/index.ts'))};
export function init() {
  return new LambdaTokenProvider({ secretId: 'bench/token', lockTable: 'bench-locks', refresh: async () => ({ token: 't', expiresAt: Date.now() + 3_600_000 }) });
}
`;

/** Runs in each fresh process: import the bundle, then create what a handler creates at module scope. */
const PROBE = `
const started = performance.now();
const bundle = await import(process.argv[1]);
const imported = performance.now();
bundle.init();
const initialised = performance.now();
process.stdout.write(JSON.stringify({ importMs: imported - started, initMs: initialised - imported }));
`;

interface Variant {
  name: string;
  source: string;
}

interface Bundle {
  variant: string;
  sdk: 'external' | 'inlined';
  file: string;
  bytes: number;
  gzipBytes: number;
}

interface Sample {
  importMs: number;
  initMs: number;
}

const VARIANTS: Variant[] = [
  { name: 'baseline (SDK clients only)', source: BASELINE_SOURCE },
  { name: 'token-refresher/lambda', source: LIBRARY_SOURCE },
];

async function bundle(variant: Variant, index: number, sdk: Bundle['sdk']): Promise<Bundle> {
  const entry = join(OUT, `entry-${index}.ts`);
  const file = join(OUT, `bundle-${index}-${sdk}.mjs`);
  await writeFile(entry, variant.source);
  await build({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    logLevel: 'error',
    external: sdk === 'external' ? ['@aws-sdk/*', '@smithy/*'] : [],
    // Inlined CommonJS dependencies call require(); give the ESM bundle one, as Lambda bundlers do.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  const content = await readFile(file);
  return { variant: variant.name, sdk, file, bytes: (await stat(file)).size, gzipBytes: gzipSync(content).length };
}

function measure(file: string): Sample {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE, file], {
    encoding: 'utf8',
    env: { ...process.env, AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  if (run.status !== 0) throw new Error(`The probe failed for ${file}:\n${run.stderr}`);
  return JSON.parse(run.stdout) as Sample;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError(`expected a whole number of at least 1, got "${value}"`);
  return parsed;
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
const ms = (value: number): string => `${value.toFixed(1)} ms`;

async function main(): Promise<void> {
  const options = new Command('bench-cold-start')
    .description('What importing token-refresher/lambda adds to a Lambda cold start, next to importing only the SDK clients.')
    .option('--runs <n>', 'fresh processes per variant and SDK mode', positiveInteger, 21)
    .option('--json <file>', 'also write the results as JSON to this file')
    .parse()
    .opts<{ runs: number; json?: string }>();

  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  const bundles: Bundle[] = [];
  for (const [index, variant] of VARIANTS.entries()) {
    bundles.push(await bundle(variant, index, 'external'), await bundle(variant, index, 'inlined'));
  }

  const samples = new Map<Bundle, Sample[]>(bundles.map((entry) => [entry, []]));
  for (const entry of bundles) measure(entry.file); // warm the file system cache
  for (let run = 0; run < options.runs; run += 1) {
    for (const entry of bundles) samples.get(entry)?.push(measure(entry.file));
  }

  const rows = bundles.map((entry) => {
    const taken = samples.get(entry) ?? [];
    return {
      variant: entry.variant,
      sdk: entry.sdk,
      bytes: entry.bytes,
      gzipBytes: entry.gzipBytes,
      importMedianMs: median(taken.map((sample) => sample.importMs)),
      initMedianMs: median(taken.map((sample) => sample.initMs)),
      runs: taken.length,
    };
  });
  const lines = [
    `Cold start on Node ${process.version}, medians of ${options.runs} fresh processes each`,
    '',
    '| bundle | AWS SDK | size | gzip | import | module-scope init | import + init |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (row) =>
        `| ${row.variant} | ${row.sdk} | ${kb(row.bytes)} | ${kb(row.gzipBytes)} | ${ms(row.importMedianMs)} | ${ms(row.initMedianMs)} | ${ms(row.importMedianMs + row.initMedianMs)} |`,
    ),
  ];
  for (const sdk of ['external', 'inlined'] as const) {
    const [base, library] = VARIANTS.map((variant) => rows.find((row) => row.variant === variant.name && row.sdk === sdk));
    if (base === undefined || library === undefined) continue;
    lines.push(
      '',
      `SDK ${sdk}: the library adds ${kb(library.bytes - base.bytes)} (${kb(library.gzipBytes - base.gzipBytes)} gzip) and ` +
        `${ms(library.importMedianMs + library.initMedianMs - base.importMedianMs - base.initMedianMs)} to import + init.`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (options.json !== undefined) {
    await mkdir(dirname(resolve(options.json)), { recursive: true });
    await writeFile(options.json, `${JSON.stringify({ node: process.version, runs: options.runs, rows }, null, 2)}\n`);
  }
  await rm(OUT, { recursive: true, force: true });
}

await main();
