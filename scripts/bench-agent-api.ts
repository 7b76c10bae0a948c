/**
 * `npm run bench:agent-api [-- --requests 5000 --concurrency 16]`: what reading the token through
 * the Agent API (`GET /secretsmanager/get`, as the worker's `--serve` and the Lambda extension serve
 * it) costs a local client, side by side with `TokenRefresher.getToken()` in-process — one run, one
 * refresher, a token that stays valid throughout (so every read is answered from memory, the
 * steady state). Clients run in their own processes: Node over kept-alive connections and over a
 * new connection per request (as curl does), and Python's urllib (sequential, a connection per request).
 */
import { spawn } from 'node:child_process';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseArgs } from 'node:util';
import { AgentApi, startAgentApiServer } from '../src/agent-api/index.js';
import { ConfigurationError, ensureLockTable, TokenRefresher } from '../src/index.js';
import { startLocalStack } from '../src/local/index.js';
import { type RunSummary, summarize } from './bench-agent-api/summary.js';
import { runMain } from './support/run-main.js';

const LOCAL_AWS = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } as const;
const SSRF_TOKEN = 'bench-ssrf-token';

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`))));
  });
}

async function inProcess(refresher: TokenRefresher, requests: number, concurrency: number): Promise<RunSummary> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        next += 1;
        const start = performance.now();
        await refresher.getToken();
        latencies.push(performance.now() - start);
      }
    }),
  );
  return summarize(latencies, performance.now() - started);
}

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new ConfigurationError(`--${name} must be a positive whole number; got "${value}".`);
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { requests: { type: 'string' }, concurrency: { type: 'string' }, 'python-requests': { type: 'string' } } });
  const requests = positive('requests', values.requests, 5_000);
  const concurrency = positive('concurrency', values.concurrency, 16);
  const pythonRequests = positive('python-requests', values['python-requests'], 1_000);

  const stack = await startLocalStack();
  const secretsManager = new SecretsManagerClient({ ...LOCAL_AWS, endpoint: stack.secretsManagerEndpoint });
  const dynamodb = new DynamoDBClient({ ...LOCAL_AWS, endpoint: stack.dynamodbEndpoint });
  await ensureLockTable({ client: dynamodb, tableName: 'bench-agent-api' });
  const secretId = 'bench/agent-api-token';
  const refresher = new TokenRefresher({
    secretId,
    lockTable: 'bench-agent-api',
    secretsManager,
    dynamodb,
    refresh: async () => ({ token: `bench-${Date.now()}`, expiresAt: Date.now() + 3_600_000 }),
  });
  const server = await startAgentApiServer({
    api: new AgentApi({ secrets: [{ secretId, tokens: refresher }], ssrfToken: SSRF_TOKEN, secretsManager }),
    port: 0,
  });
  const url = `http://127.0.0.1:${server.port}/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`;
  try {
    await refresher.getToken();
    const client = (mode: string, count: number, parallel: number): Promise<RunSummary> =>
      run(process.execPath, ['--import', 'tsx', 'scripts/bench-agent-api/client.ts', url, SSRF_TOKEN, mode, String(count), String(parallel)]).then(
        (output) => JSON.parse(output) as RunSummary,
      );
    // Warm both paths (JIT, the version read, connection set-up) before measuring.
    await inProcess(refresher, 1_000, 1);
    await client('keep-alive', 500, 1);

    const rows: Array<[string, RunSummary]> = [
      ['TokenRefresher.getToken() in-process, 1 caller', await inProcess(refresher, requests, 1)],
      [`TokenRefresher.getToken() in-process, ${concurrency} callers`, await inProcess(refresher, requests, concurrency)],
      ['GET /secretsmanager/get, Node, keep-alive, 1 at a time', await client('keep-alive', requests, 1)],
      [`GET /secretsmanager/get, Node, keep-alive, ${concurrency} at a time`, await client('keep-alive', requests, concurrency)],
      ['GET /secretsmanager/get, Node, new connection each, 1 at a time', await client('new-connection', requests, 1)],
      ['GET /secretsmanager/get, Python urllib, 1 at a time', await python(url, pythonRequests)],
    ];
    process.stdout.write('| client | requests | p50 | p99 | requests/s |\n|---|---:|---:|---:|---:|\n');
    for (const [name, summary] of rows) {
      process.stdout.write(
        `| ${name} | ${summary.requests.toLocaleString('en-US')} | ${formatMs(summary.p50Ms)} | ${formatMs(summary.p99Ms)} | ${Math.round(summary.perSecond).toLocaleString('en-US')} |\n`,
      );
    }
  } finally {
    await server.close();
    await refresher.close();
    secretsManager.destroy();
    dynamodb.destroy();
    await stack.close();
  }
}

async function python(url: string, requests: number): Promise<RunSummary> {
  const output = JSON.parse(await run('python3', ['scripts/bench-agent-api/python_client.py', url, SSRF_TOKEN, String(requests)])) as {
    latencies: number[];
    elapsedMs: number;
  };
  return summarize(output.latencies, output.elapsedMs);
}

function formatMs(ms: number): string {
  return ms < 0.1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`;
}

runMain(main);
