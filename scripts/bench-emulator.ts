/**
 * `node --import tsx scripts/bench-emulator.ts [options]`: how many GetSecretValue calls per second
 * the Secrets Manager emulator serves to the real SDK, and at what latency. One emulator runs in
 * this process; P worker processes (default 4) each drive it with C concurrent callers through
 * `@aws-sdk/client-secrets-manager`. Workers start together after a warm-up, measure for D seconds,
 * and report every latency and their CPU time; this process prints a table and writes a JSON report.
 * `--client raw` replays the SDK's own signed request bytes over a keep-alive agent instead, which
 * measures the emulator without the SDK's per-call CPU cost (the emulator does not check signatures).
 * Run with `--help` for the options.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Command, InvalidArgumentError, Option } from 'commander';
import { startSecretsManagerEmulator } from '../src/local/index.js';

const LOCAL_AWS = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } as const;
const WORKER_FLAG = '--bench-worker';

type ClientKind = 'sdk' | 'raw';

interface WorkerPlan {
  client: ClientKind;
  endpoint: string;
  secretId: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

interface WorkerReport {
  requests: number;
  errors: Record<string, number>;
  elapsedMs: number;
  cpuMs: number;
  latenciesMs: number[];
}

/** Worker mode: warm up, say "ready", wait for "go", then call GetSecretValue for `durationMs`. */
async function runWorker(plan: WorkerPlan): Promise<void> {
  const client = new SecretsManagerClient({ ...LOCAL_AWS, endpoint: plan.endpoint, maxAttempts: 1 });
  const call = plan.client === 'sdk' ? () => client.send(new GetSecretValueCommand({ SecretId: plan.secretId })) : await rawReplay(client, plan);
  const warmUntil = performance.now() + plan.warmupMs;
  await Promise.all(
    Array.from({ length: plan.concurrency }, async () => {
      while (performance.now() < warmUntil) await call();
    }),
  );
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => {
    const commands = createInterface({ input: process.stdin });
    commands.once('line', () => {
      commands.close();
      resolve();
    });
  });
  const latenciesMs: number[] = [];
  const errors: Record<string, number> = {};
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  const stopAt = started + plan.durationMs;
  await Promise.all(
    Array.from({ length: plan.concurrency }, async () => {
      while (performance.now() < stopAt) {
        const sent = performance.now();
        try {
          await call();
          latenciesMs.push(performance.now() - sent);
        } catch (error) {
          const name = (error as Error).name;
          errors[name] = (errors[name] ?? 0) + 1;
        }
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuAtStart);
  const report: WorkerReport = { requests: latenciesMs.length, errors, elapsedMs, cpuMs: (cpu.user + cpu.system) / 1000, latenciesMs };
  client.destroy();
  // stdin stays open until the parent ends it; leave as soon as the report is flushed.
  process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
}

/**
 * Captures the exact request the SDK sends for GetSecretValue (headers, signature, body) and
 * returns a call that replays it on a keep-alive agent, checking for HTTP 200.
 */
async function rawReplay(client: SecretsManagerClient, plan: WorkerPlan): Promise<() => Promise<void>> {
  let captured: { path: string; headers: Record<string, string>; body: string } | undefined;
  client.middlewareStack.add(
    (next) => async (args) => {
      const wire = args.request as { path: string; headers: Record<string, string>; body: string };
      captured = { path: wire.path, headers: { ...wire.headers }, body: wire.body };
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'captureForReplay' },
  );
  await client.send(new GetSecretValueCommand({ SecretId: plan.secretId }));
  const request = captured;
  if (!request) throw new Error('The SDK request could not be captured for replay.');
  const agent = new Agent({ keepAlive: true, maxSockets: plan.concurrency });
  const { hostname, port } = new URL(plan.endpoint);
  return () =>
    new Promise<void>((resolve, reject) => {
      const outgoing = httpRequest({ host: hostname, port, method: 'POST', path: request.path, headers: request.headers, agent }, (response) => {
        response.resume();
        response.once('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${response.statusCode}`))));
      });
      outgoing.once('error', reject);
      outgoing.end(request.body);
    });
}

interface BenchOptions {
  client: ClientKind;
  processes: number;
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  valueBytes: number;
  throttled: boolean;
  out: string;
}

/** Starts one worker process and returns its handle and a promise of its report line. */
function startWorker(plan: WorkerPlan): { child: ChildProcess; ready: Promise<void>; report: Promise<WorkerReport> } {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', script, WORKER_FLAG, JSON.stringify(plan)], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const lines = createInterface({ input: child.stdout! });
  let markReady: () => void = () => undefined;
  let deliver: (report: WorkerReport) => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const report = new Promise<WorkerReport>((resolve, reject) => {
    deliver = resolve;
    fail = reject;
  });
  lines.on('line', (line) => {
    if (line === 'ready') markReady();
    else if (line.startsWith('{')) deliver(JSON.parse(line) as WorkerReport);
  });
  child.once('exit', (code) => fail(new Error(`A benchmark worker exited with code ${code} before reporting.`)));
  return { child, ready, report };
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
}

async function runBenchmark(options: BenchOptions): Promise<void> {
  const emulator = await startSecretsManagerEmulator(options.throttled ? {} : { rateLimits: { reads: 0 } });
  try {
    const setup = new SecretsManagerClient({ ...LOCAL_AWS, endpoint: emulator.endpoint });
    const secretId = 'bench/emulator';
    await setup.send(new CreateSecretCommand({ Name: secretId, SecretString: 'x'.repeat(options.valueBytes) }));
    setup.destroy();
    const plan: WorkerPlan = {
      client: options.client,
      endpoint: emulator.endpoint,
      secretId,
      concurrency: options.concurrency,
      warmupMs: options.warmupMs,
      durationMs: options.durationMs,
    };
    const workers = Array.from({ length: options.processes }, () => startWorker(plan));
    await Promise.all(workers.map((worker) => worker.ready));
    const cpuAtStart = process.cpuUsage();
    for (const worker of workers) worker.child.stdin?.end('go\n');
    const reports = await Promise.all(workers.map((worker) => worker.report));
    const cpu = process.cpuUsage(cpuAtStart);

    const latencies = reports.flatMap((report) => report.latenciesMs).sort((a, b) => a - b);
    const requests = reports.reduce((sum, report) => sum + report.requests, 0);
    const elapsedMs = Math.max(...reports.map((report) => report.elapsedMs));
    const errors: Record<string, number> = {};
    for (const report of reports) for (const [name, count] of Object.entries(report.errors)) errors[name] = (errors[name] ?? 0) + count;
    const result = {
      operation: 'GetSecretValue',
      options,
      machine: { cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version },
      requests,
      requestsPerSecond: Math.round((requests / elapsedMs) * 1000),
      latencyMs: {
        p50: round(percentile(latencies, 0.5)),
        p90: round(percentile(latencies, 0.9)),
        p99: round(percentile(latencies, 0.99)),
        max: round(latencies.at(-1) ?? Number.NaN),
      },
      // The emulator runs in this process, so this is its CPU cost per request; the SDK's cost is in the workers.
      emulatorCpuMsPerRequest: Math.round((cpu.user + cpu.system) / Math.max(1, requests)) / 1000,
      clientCpuMsPerRequest: Math.round((reports.reduce((sum, report) => sum + report.cpuMs, 0) * 1000) / Math.max(1, requests)) / 1000,
      errors,
      perWorker: reports.map((report) => ({ requests: report.requests, requestsPerSecond: Math.round((report.requests / report.elapsedMs) * 1000) })),
    };
    await mkdir(dirname(options.out), { recursive: true });
    await writeFile(options.out, `${JSON.stringify(result, null, 2)}\n`);
    const rows: Array<[string, string]> = [
      ['operation', `GetSecretValue over HTTP on loopback, ${options.client === 'sdk' ? 'official SDK' : 'replayed SDK request bytes'}`],
      ['workers × callers', `${options.processes} processes × ${options.concurrency}`],
      ['machine', `${result.machine.cpus} CPUs, Node ${result.machine.node}`],
      ['measured', `${(elapsedMs / 1000).toFixed(1)} s after ${(options.warmupMs / 1000).toFixed(1)} s warm-up`],
      ['requests', String(requests)],
      ['requests / s', String(result.requestsPerSecond)],
      ['latency p50 / p90 / p99 / max (ms)', `${result.latencyMs.p50} / ${result.latencyMs.p90} / ${result.latencyMs.p99} / ${result.latencyMs.max}`],
      ['CPU per request: emulator / clients (ms)', `${result.emulatorCpuMsPerRequest} / ${result.clientCpuMsPerRequest}`],
      ['errors', Object.keys(errors).length === 0 ? 'none' : JSON.stringify(errors)],
      ['report', options.out],
    ];
    const width = Math.max(...rows.map(([label]) => label.length));
    process.stdout.write(`\n${rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n')}\n\n`);
    if (Object.keys(errors).length > 0) process.exitCode = 1;
  } finally {
    await emulator.close();
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

const positive = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError(`"${value}" is not a positive number.`);
  return parsed;
};

async function main(): Promise<void> {
  if (process.argv[2] === WORKER_FLAG) {
    await runWorker(JSON.parse(process.argv[3] ?? '{}') as WorkerPlan);
    return;
  }
  const flags = new Command('bench-emulator')
    .description('GetSecretValue throughput and latency of the Secrets Manager emulator under the real SDK from several processes.')
    .option('-p, --processes <n>', 'worker processes (default 4)', positive)
    .option('-c, --concurrency <n>', 'concurrent callers per worker (default 8)', positive)
    .option('-d, --duration <seconds>', 'measured time (default 10)', positive)
    .option('-w, --warmup <seconds>', 'warm-up before measuring (default 2)', positive)
    .option('--value-bytes <n>', 'size of the secret value (default 1024)', positive)
    .addOption(new Option('--client <kind>', 'sdk: the official SDK per call; raw: replay its signed request bytes').choices(['sdk', 'raw']))
    .option('--throttled', "keep the emulator's read throttle (AWS's 10,000/s) on")
    .option('--out <file>', 'JSON report (default reports/bench-emulator/get-secret-value-<client>.json)')
    .parse()
    .opts<Record<string, unknown>>();
  await runBenchmark({
    client: (flags.client as ClientKind | undefined) ?? 'sdk',
    processes: Math.round((flags.processes as number | undefined) ?? 4),
    concurrency: Math.round((flags.concurrency as number | undefined) ?? 8),
    durationMs: ((flags.duration as number | undefined) ?? 10) * 1000,
    warmupMs: ((flags.warmup as number | undefined) ?? 2) * 1000,
    valueBytes: Math.round((flags.valueBytes as number | undefined) ?? 1024),
    throttled: flags.throttled === true,
    out:
      (flags.out as string | undefined) ??
      join('reports', 'bench-emulator', `get-secret-value-${(flags.client as string | undefined) ?? 'sdk'}.json`),
  });
}

await main();
