/**
 * `node --import tsx scripts/bench-cold-start.ts [--runs 21] [--json reports/bench-cold-start.json]`:
 * what `token-refresher/lambda` adds to a Lambda cold start, next to a baseline that only imports the
 * AWS SDK clients the library uses (DynamoDB, Secrets Manager).
 *
 * Each is bundled with esbuild as a Lambda deployment would be (ESM, Node 20, minified): with the SDK
 * left external (`@aws-sdk/*`, so the size is the library's own), once as one file and once split
 * (the lease lock, contention, holding and the secret's writes in chunks that load with the first
 * call that needs them, as they do from unbundled node_modules), and with everything inlined as one
 * file (a self-contained deployment).
 * Besides the library with its own `refresh`, two variants add the OAuth source and the Middy
 * middleware. Each bundle then runs in `--runs` fresh Node processes, interleaved so that machine
 * noise hits all alike; each process reports the time to import the bundle and the time to create
 * what a handler creates at module scope (two SDK clients for the baseline; a LambdaTokenProvider,
 * which creates the same two clients).
 * Medians are printed as a markdown table.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Command, InvalidArgumentError } from 'commander';
import { build, type Metafile } from 'esbuild';

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

const LAMBDA = JSON.stringify(join(ROOT, 'src/lambda/index.ts'));
const SOURCES = JSON.stringify(join(ROOT, 'src/sources/index.ts'));

const LIBRARY_SOURCE = `
import { LambdaTokenProvider } from ${LAMBDA};
export function init() {
  return new LambdaTokenProvider({ secretId: 'bench/token', lockTable: 'bench-locks', refresh: async () => ({ token: 't', expiresAt: Date.now() + 3_600_000 }) });
}
`;

const OAUTH_SOURCE = `
import { LambdaTokenProvider } from ${LAMBDA};
import { oauth2ClientCredentials } from ${SOURCES};
export function init() {
  const refresh = oauth2ClientCredentials({ tokenUrl: 'https://idp.example.com/oauth2/token', clientId: 'bench', clientSecret: 'bench-secret' });
  return new LambdaTokenProvider({ secretId: 'bench/token', lockTable: 'bench-locks', refresh });
}
`;

const MIDDY_SOURCE = `
import { LambdaTokenProvider, tokenMiddleware } from ${LAMBDA};
export function init() {
  const tokens = new LambdaTokenProvider({ secretId: 'bench/token', lockTable: 'bench-locks', refresh: async () => ({ token: 't', expiresAt: Date.now() + 3_600_000 }) });
  return tokenMiddleware(tokens);
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

/**
 * How the deployment is built: `single` is one file (CDK's NodejsFunction, for one); `split` lets
 * esbuild emit the library's lazily imported parts (the lock's paths, the secret's writes) as chunks
 * that load with the first call that needs them — as do node_modules deployed unbundled.
 */
type Packaging = 'single' | 'split';

interface Bundle {
  variant: string;
  sdk: 'external' | 'inlined';
  packaging: Packaging;
  file: string;
  /** What a cold start loads: the file, and for `split` the chunks it imports statically. */
  bytes: number;
  gzipBytes: number;
  /** `split` only: the chunks loaded by dynamic import, with the first call that needs the lock or a write. */
  lazyBytes: number;
}

interface Sample {
  importMs: number;
  initMs: number;
}

const BASELINE = 'baseline (SDK clients only)';
const LIBRARY = 'token-refresher/lambda';

const VARIANTS: Variant[] = [
  { name: BASELINE, source: BASELINE_SOURCE },
  { name: LIBRARY, source: LIBRARY_SOURCE },
  { name: `${LIBRARY} + OAuth source`, source: OAUTH_SOURCE },
  { name: `${LIBRARY} + Middy middleware`, source: MIDDY_SOURCE },
];

async function bundle(variant: Variant, index: number, sdk: Bundle['sdk'], packaging: Packaging): Promise<Bundle> {
  const entry = join(OUT, `entry-${index}.ts`);
  const outdir = join(OUT, `bundle-${index}-${sdk}-${packaging}`);
  await writeFile(entry, variant.source);
  const result = await build({
    entryPoints: [entry],
    outdir,
    outExtension: { '.js': '.mjs' },
    splitting: packaging === 'split',
    metafile: true,
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
  const outputs = result.metafile.outputs;
  const entryFile = Object.keys(outputs).find((file) => outputs[file]?.entryPoint !== undefined);
  if (entryFile === undefined) throw new Error(`esbuild wrote no entry point for ${variant.name}.`);
  const coldStart = staticClosure(outputs, entryFile);
  const loaded = await Promise.all([...coldStart].map((file) => readFile(resolve(file))));
  const total = Object.values(outputs).reduce((sum, output) => sum + output.bytes, 0);
  const bytes = loaded.reduce((sum, content) => sum + content.length, 0);
  return {
    variant: variant.name,
    sdk,
    packaging,
    file: resolve(entryFile),
    bytes,
    gzipBytes: loaded.reduce((sum, content) => sum + gzipSync(content).length, 0),
    lazyBytes: total - bytes,
  };
}

/** The entry chunk and every chunk it imports statically, transitively: what loads before the handler runs. */
function staticClosure(outputs: Metafile['outputs'], entryFile: string): Set<string> {
  const closure = new Set<string>();
  const pending = [entryFile];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (closure.has(file)) continue;
    closure.add(file);
    for (const imported of outputs[file]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) pending.push(imported.path);
    }
  }
  return closure;
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
    bundles.push(
      await bundle(variant, index, 'external', 'single'),
      await bundle(variant, index, 'external', 'split'),
      await bundle(variant, index, 'inlined', 'single'),
    );
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
      packaging: entry.packaging,
      bytes: entry.bytes,
      gzipBytes: entry.gzipBytes,
      lazyBytes: entry.lazyBytes,
      importMedianMs: median(taken.map((sample) => sample.importMs)),
      initMedianMs: median(taken.map((sample) => sample.initMs)),
      runs: taken.length,
    };
  });
  const lines = [
    `Cold start on Node ${process.version}, medians of ${options.runs} fresh processes each`,
    '',
    '| bundle | AWS SDK | packaging | loaded at cold start | gzip | loaded with the lock or a write | import | module-scope init | import + init |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (row) =>
        `| ${row.variant} | ${row.sdk} | ${row.packaging} | ${kb(row.bytes)} | ${kb(row.gzipBytes)} | ${row.packaging === 'split' ? kb(row.lazyBytes) : '–'} | ` +
        `${ms(row.importMedianMs)} | ${ms(row.initMedianMs)} | ${ms(row.importMedianMs + row.initMedianMs)} |`,
    ),
  ];
  const rowOf = (variant: string, sdk: Bundle['sdk'], packaging: Packaging) =>
    rows.find((row) => row.variant === variant && row.sdk === sdk && row.packaging === packaging);
  for (const [sdk, packaging] of [
    ['external', 'split'],
    ['external', 'single'],
    ['inlined', 'single'],
  ] as const) {
    const base = rowOf(BASELINE, sdk, packaging);
    const library = rowOf(LIBRARY, sdk, packaging);
    if (base === undefined || library === undefined) continue;
    lines.push(
      '',
      `SDK ${sdk}, ${packaging}: the library adds ${kb(library.bytes - base.bytes)} (${kb(library.gzipBytes - base.gzipBytes)} gzip) at cold start and ` +
        `${ms(library.importMedianMs + library.initMedianMs - base.importMedianMs - base.initMedianMs)} to import + init.`,
    );
    for (const part of VARIANTS.slice(2)) {
      const withPart = rowOf(part.name, sdk, packaging);
      if (withPart !== undefined) lines.push(`  ${part.name.slice(LIBRARY.length + 3)} adds ${kb(withPart.bytes - library.bytes)} more.`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (options.json !== undefined) {
    await mkdir(dirname(resolve(options.json)), { recursive: true });
    await writeFile(options.json, `${JSON.stringify({ node: process.version, runs: options.runs, rows }, null, 2)}\n`);
  }
  await rm(OUT, { recursive: true, force: true });
}

await main();
