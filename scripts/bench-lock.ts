/**
 * `node --import tsx scripts/bench-lock.ts [options]`: our lease lock side by side with the npm
 * package `dynamodb-lock-client` (FailOpen, the usual choice) on the same dynalite, through the same
 * SDK transport and the same request-counting middleware:
 *
 * 1. DynamoDB requests per uncontended acquire + release;
 * 2. requests and failed conditional writes per second while N contenders wait on a held lock;
 * 3. time from a holder's crash (its process killed with SIGKILL) to a waiting contender holding the lock;
 * 4. false outcomes ("held by another" on a free lock, "lost" while nobody else wants it, a release
 *    that fails) when a share of responses is lost after the write applied (the SDK then retries).
 *
 * Prints a table and writes reports/bench-lock.json. Run with `--help` for the options.
 */
import { spawn } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { Command, InvalidArgumentError } from 'commander';
import { ensureLockTable, LeaseLock, LockLostError, seededRandom, type Lease, type LockEvent } from '../src/index.js';
import { startDynalite } from '../src/local/index.js';

const LOCAL_AWS = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } as const;
const CHILD_FLAG = '--bench-child';
const require = createRequire(import.meta.url);

interface Options {
  contenders: number;
  waitSeconds: number;
  leaseMs: number;
  crashRuns: number;
  cycles: number;
  dropRate: number;
  seed: number;
  pollMs?: number;
}

type Implementation = 'ours' | 'theirs';

// ---------------------------------------------------------------- request counting and lost responses

/** Counts HTTP attempts by operation and failed conditional writes; loses a share of responses after they applied. */
interface Meter {
  client: DynamoDBClient;
  requests: Record<string, number>;
  conditionalFailures: number;
  droppedResponses: number;
  dropRate: number;
  reset(): void;
  total(): number;
}

function meteredClient(endpoint: string, seed: number, config: Partial<DynamoDBClientConfig> = {}): Meter {
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint, ...config });
  const random = seededRandom(seed);
  const meter: Meter = {
    client,
    requests: {},
    conditionalFailures: 0,
    droppedResponses: 0,
    dropRate: 0,
    reset() {
      meter.requests = {};
      meter.conditionalFailures = 0;
      meter.droppedResponses = 0;
    },
    total: () => Object.values(meter.requests).reduce((sum, count) => sum + count, 0),
  };
  // Inside the SDK's retry loop: every HTTP attempt is counted, and a lost response is retried by the SDK.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName).replace(/Command$/, '');
      meter.requests[operation] = (meter.requests[operation] ?? 0) + 1;
      try {
        const output = await next(args);
        if (operation !== 'GetItem' && random() < meter.dropRate) {
          meter.droppedResponses += 1;
          throw Object.assign(new Error('response lost after the write applied'), { name: 'TimeoutError' });
        }
        return output;
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') meter.conditionalFailures += 1;
        throw error;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'benchMeter' },
  );
  return meter;
}

// ---------------------------------------------------------------- dynamodb-lock-client over SDK v3

interface TheirLock {
  fencingToken: number;
  release(callback: (error?: Error) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
}
interface TheirClient {
  acquireLock(id: string, callback: (error: (Error & { code?: string }) | undefined, lock: TheirLock) => void): void;
}
const TheirLibrary = require('dynamodb-lock-client') as {
  FailOpen: new (config: Record<string, unknown>) => TheirClient;
};

/** The aws-sdk v2 DocumentClient surface the package calls (get/put/delete with callbacks, `error.code`), over SDK v3. */
function v2DocumentClient(
  client: DynamoDBClient,
): Record<'get' | 'put' | 'delete', (params: never, callback: (error: unknown, data?: unknown) => void) => void> {
  const documents = DynamoDBDocumentClient.from(client);
  const call = (command: GetCommand | PutCommand | DeleteCommand, callback: (error: unknown, data?: unknown) => void): void => {
    documents.send(command as GetCommand).then(
      (data) => callback(null, data),
      (error: Error) => callback(Object.assign(error, { code: error.name })),
    );
  };
  return {
    get: (params, callback) => call(new GetCommand(params), callback),
    put: (params, callback) => call(new PutCommand(params), callback),
    delete: (params, callback) => call(new DeleteCommand(params), callback),
  };
}

function theirClient(meter: Meter, tableName: string, leaseMs: number, heartbeatMs: number): TheirClient {
  return new TheirLibrary.FailOpen({
    dynamodb: v2DocumentClient(meter.client),
    lockTable: tableName,
    partitionKey: 'pk',
    leaseDurationMs: leaseMs,
    heartbeatPeriodMs: heartbeatMs,
    owner: `bench-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
  });
}

function theirAcquire(client: TheirClient, name: string): Promise<TheirLock> {
  return new Promise((resolve, reject) => client.acquireLock(name, (error, lock) => (error ? reject(error) : resolve(lock))));
}

function theirRelease(lock: TheirLock): Promise<void> {
  return new Promise((resolve, reject) => lock.release((error) => (error ? reject(error) : resolve())));
}

// ---------------------------------------------------------------- child process: a holder to kill

async function runChild(implementation: Implementation, endpoint: string, tableName: string, name: string, leaseMs: number): Promise<void> {
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint });
  if (implementation === 'ours') {
    const lock = new LeaseLock({ client, tableName, leaseMs });
    const outcome = await lock.acquire(name, { timeoutMs: 60_000 });
    if (!outcome.acquired) throw new Error('not acquired');
  } else {
    const lock = await theirAcquire(theirClient({ client } as Meter, tableName, leaseMs, Math.floor(leaseMs / 3)), name);
    lock.on('error', () => undefined);
  }
  process.stdout.write('held\n');
  setInterval(() => undefined, 60_000); // hold until killed
}

// ---------------------------------------------------------------- scenarios

async function uncontendedRequests(implementation: Implementation, meter: Meter, tableName: string, leaseMs: number): Promise<number> {
  const rounds = 20;
  meter.reset();
  if (implementation === 'ours') {
    const lock = new LeaseLock({ client: meter.client, tableName, leaseMs });
    for (let round = 0; round < rounds; round += 1) {
      const outcome = await lock.tryAcquire(`uncontended-${round}`);
      if (!outcome.acquired) throw new Error('ours: not acquired on a free lock');
      await outcome.lease.release();
    }
  } else {
    const client = theirClient(meter, tableName, leaseMs, Math.floor(leaseMs / 3));
    for (let round = 0; round < rounds; round += 1) await theirRelease(await theirAcquire(client, `uncontended-${round}`));
  }
  return meter.total() / rounds;
}

interface ContentionResult {
  requestsPerSecond: number;
  byOperation: Record<string, number>;
  failedConditionalWritesPerSecond: number;
  failedConditionalWritesWhileJoining: number;
}

async function contention(implementation: Implementation, meter: Meter, tableName: string, options: Options): Promise<ContentionResult> {
  const name = `contended-${implementation}`;
  const heartbeatMs = Math.floor(options.leaseMs / 3);
  const joinMs = 2_000;
  const stop = new AbortController();
  // Every contender listens to this one signal (two listeners each at most while it waits).
  setMaxListeners(4 * options.contenders, stop.signal);
  meter.reset();
  let release: () => Promise<unknown>;
  let waiting: Array<Promise<unknown>>;
  if (implementation === 'ours') {
    const holder = new LeaseLock({ client: meter.client, tableName, leaseMs: options.leaseMs });
    const held = await holder.tryAcquire(name);
    if (!held.acquired) throw new Error('ours: holder did not acquire');
    release = () => holder.close();
    waiting = Array.from({ length: options.contenders }, async () => {
      const contender = new LeaseLock({ client: meter.client, tableName, leaseMs: options.leaseMs, ...poll(options) });
      await contender.acquire(name, { signal: stop.signal, timeoutMs: Infinity }).catch(() => undefined);
      await contender.close();
    });
  } else {
    const held = await theirAcquire(theirClient(meter, tableName, options.leaseMs, heartbeatMs), name);
    held.on('error', () => undefined);
    release = () => theirRelease(held);
    waiting = Array.from({ length: options.contenders }, async () => {
      const contender = theirClient(meter, tableName, options.leaseMs, heartbeatMs);
      while (!stop.signal.aborted) {
        try {
          const lock = await theirAcquire(contender, name);
          lock.on('error', () => undefined);
          await theirRelease(lock);
        } catch {
          // FailedToAcquireLock after its retries: a waiting caller simply asks again.
        }
      }
    });
  }
  await sleep(joinMs);
  const joining = meter.conditionalFailures;
  meter.reset();
  await sleep(options.waitSeconds * 1_000);
  const requests = { ...meter.requests };
  const failures = meter.conditionalFailures;
  stop.abort();
  await release();
  await Promise.all(waiting);
  const seconds = options.waitSeconds;
  return {
    requestsPerSecond: round(Object.values(requests).reduce((sum, count) => sum + count, 0) / seconds),
    byOperation: Object.fromEntries(Object.entries(requests).map(([operation, count]) => [operation, round(count / seconds)])),
    failedConditionalWritesPerSecond: round(failures / seconds),
    failedConditionalWritesWhileJoining: joining,
  };
}

async function crashTakeover(implementation: Implementation, endpoint: string, tableName: string, options: Options, run: number): Promise<number> {
  const name = `crash-${implementation}-${run}`;
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', script, CHILD_FLAG, implementation, endpoint, tableName, name, String(options.leaseMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', () => resolve());
    child.once('exit', (code) => reject(new Error(`holder exited early (${code})`)));
  });
  const meter = meteredClient(endpoint, run);
  let acquiredAt = 0;
  let finish: () => Promise<unknown>;
  let acquired: Promise<unknown>;
  if (implementation === 'ours') {
    const lock = new LeaseLock({ client: meter.client, tableName, leaseMs: options.leaseMs, ...poll(options) });
    acquired = lock.acquire(name, { timeoutMs: 120_000 }).then(() => (acquiredAt = performance.now()));
    finish = () => lock.close();
  } else {
    const client = theirClient(meter, tableName, options.leaseMs, Math.floor(options.leaseMs / 3));
    let lock: TheirLock | undefined;
    acquired = (async () => {
      for (;;) {
        try {
          lock = await theirAcquire(client, name);
          lock.on('error', () => undefined);
          acquiredAt = performance.now();
          return;
        } catch {
          // Still held (or so it seemed): ask again.
        }
      }
    })();
    finish = async () => lock && theirRelease(lock);
  }
  // The contender is already waiting when the holder dies, as in a fleet.
  await sleep(1_000);
  const killedAt = performance.now();
  child.kill('SIGKILL');
  await acquired;
  await finish();
  meter.client.destroy();
  return Math.round(acquiredAt - killedAt);
}

interface FalseOutcomes {
  cycles: number;
  falseHeldByOther: number;
  falseLost: number;
  failedReleases: number;
  otherErrors: number;
  droppedResponses: number;
  meanAcquireMs: number;
}

async function falseOutcomes(implementation: Implementation, meter: Meter, tableName: string, options: Options): Promise<FalseOutcomes> {
  const leaseMs = 2_000;
  const heartbeatMs = 200;
  const holdMs = 500;
  const result: FalseOutcomes = {
    cycles: options.cycles,
    falseHeldByOther: 0,
    falseLost: 0,
    failedReleases: 0,
    otherErrors: 0,
    droppedResponses: 0,
    meanAcquireMs: 0,
  };
  meter.reset();
  meter.dropRate = options.dropRate;
  let acquireMs = 0;
  // Every lock below is uncontended: any "held by another", any loss, any failed release is false.
  if (implementation === 'ours') {
    const lock = new LeaseLock({
      client: meter.client,
      tableName,
      leaseMs,
      heartbeatMs,
      dangerMs: 400,
      onEvent: (event: LockEvent) => {
        if (event.type === 'lost' || event.type === 'danger') result.falseLost += 1;
      },
    });
    for (let cycle = 0; cycle < options.cycles; cycle += 1) {
      const started = performance.now();
      let lease: Lease;
      try {
        const outcome = await lock.tryAcquire(`drops-${cycle}`);
        acquireMs += performance.now() - started;
        if (!outcome.acquired) {
          result.falseHeldByOther += 1;
          continue;
        }
        lease = outcome.lease;
      } catch {
        result.otherErrors += 1;
        continue;
      }
      await sleep(holdMs);
      try {
        if ((await lease.release()) !== 'released') result.failedReleases += 1;
      } catch (error) {
        if (error instanceof LockLostError) result.falseLost += 1;
        else result.failedReleases += 1;
      }
    }
  } else {
    const client = theirClient(meter, tableName, leaseMs, heartbeatMs);
    for (let cycle = 0; cycle < options.cycles; cycle += 1) {
      const started = performance.now();
      let lock: TheirLock;
      try {
        lock = await theirAcquire(client, `drops-${cycle}`);
        acquireMs += performance.now() - started;
      } catch (error) {
        if ((error as { code?: string }).code === 'FailedToAcquireLock') result.falseHeldByOther += 1;
        else result.otherErrors += 1;
        continue;
      }
      let lost = false;
      lock.on('error', () => (lost = true));
      await sleep(holdMs);
      if (lost) result.falseLost += 1;
      try {
        await theirRelease(lock);
      } catch {
        result.failedReleases += 1;
      }
    }
  }
  meter.dropRate = 0;
  result.droppedResponses = meter.droppedResponses;
  result.meanAcquireMs = Math.round(acquireMs / options.cycles);
  return result;
}

// ---------------------------------------------------------------- main

async function main(options: Options): Promise<void> {
  const dynamodb = await startDynalite();
  try {
    const setup = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamodb.endpoint });
    const tables: Record<Implementation, string> = { ours: 'bench-ours', theirs: 'bench-theirs' };
    for (const tableName of Object.values(tables)) await ensureLockTable({ client: setup, tableName });
    setup.destroy();
    const implementations: Implementation[] = ['ours', 'theirs'];
    const report: Record<Implementation, Record<string, unknown>> = { ours: {}, theirs: {} };
    for (const implementation of implementations) {
      const tableName = tables[implementation];
      process.stderr.write(`${implementation}: uncontended cycles\n`);
      const meter = meteredClient(dynamodb.endpoint, options.seed, { maxAttempts: 3 });
      report[implementation].requestsPerUncontendedCycle = await uncontendedRequests(implementation, meter, tableName, options.leaseMs);
      process.stderr.write(`${implementation}: ${options.contenders} contenders for ${options.waitSeconds} s\n`);
      report[implementation].contention = await contention(implementation, meter, tableName, options);
      process.stderr.write(`${implementation}: crash takeover x${options.crashRuns}\n`);
      const crashes: number[] = [];
      for (let run = 0; run < options.crashRuns; run += 1)
        crashes.push(await crashTakeover(implementation, dynamodb.endpoint, tableName, options, run));
      report[implementation].crashToTakeoverMs = crashes;
      process.stderr.write(`${implementation}: ${options.cycles} cycles with ${options.dropRate * 100} % of responses lost\n`);
      report[implementation].falseOutcomes = await falseOutcomes(implementation, meter, tableName, options);
      meter.client.destroy();
    }
    printTable(report, options);
    const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'reports', 'bench-lock.json');
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify({ options, node: process.version, results: report }, null, 2)}\n`);
    process.stdout.write(`\nwrote ${file}\n`);
  } finally {
    await dynamodb.close();
  }
}

function printTable(report: Record<Implementation, Record<string, unknown>>, options: Options): void {
  const pollMs = options.pollMs ?? Math.min(1_000, Math.max(20, Math.floor(options.leaseMs / 10)));
  const cell = (implementation: Implementation, pick: (values: Record<string, unknown>) => string): string => pick(report[implementation]);
  const contention = (values: Record<string, unknown>): ContentionResult => values.contention as ContentionResult;
  const outcomes = (values: Record<string, unknown>): FalseOutcomes => values.falseOutcomes as FalseOutcomes;
  const crashes = (values: Record<string, unknown>): string => {
    const runs = values.crashToTakeoverMs as number[];
    return `${Math.round(runs.reduce((a, b) => a + b, 0) / runs.length)} / ${Math.max(...runs)}`;
  };
  const rows: Array<[string, (values: Record<string, unknown>) => string, string]> = [
    ['requests per uncontended acquire + release', (values) => String(values.requestsPerUncontendedCycle), '2'],
    [
      `requests/s, ${options.contenders} waiting ${options.waitSeconds} s`,
      (values) => `${contention(values).requestsPerSecond} ${JSON.stringify(contention(values).byOperation)}`,
      'reads only',
    ],
    ['failed conditional writes/s, holder alive', (values) => String(contention(values).failedConditionalWritesPerSecond), '0'],
    ['  (failed writes while the contenders joined)', (values) => String(contention(values).failedConditionalWritesWhileJoining), ''],
    [`crash -> contender holds, ms (mean / max of ${options.crashRuns})`, crashes, `<= ${options.leaseMs + pollMs} + network`],
    [
      `false held-by-other / lost / failed release, ${options.dropRate * 100} % responses lost`,
      (values) => {
        const result = outcomes(values);
        return `${result.falseHeldByOther} / ${result.falseLost} / ${result.failedReleases} of ${result.cycles} (errors ${result.otherErrors}, dropped ${result.droppedResponses})`;
      },
      '0 / 0 / 0',
    ],
    ['  mean acquire time under losses, ms', (values) => String(outcomes(values).meanAcquireMs), ''],
  ];
  const widths = [Math.max(...rows.map((row) => row[0].length)), 44, 44];
  const line = (cells: string[]): string => cells.map((text, index) => text.padEnd(widths[index] ?? 20)).join(' | ');
  process.stdout.write(`\nlease ${options.leaseMs} ms, heartbeat lease/3, our poll ${pollMs} ms (jittered)\n`);
  process.stdout.write(`${line(['metric', 'token-refresher LeaseLock', 'dynamodb-lock-client 0.7.3 FailOpen'])} | target\n`);
  for (const [label, pick, target] of rows) process.stdout.write(`${line([label, cell('ours', pick), cell('theirs', pick)])} | ${target}\n`);
}

function poll(options: Options): { pollMs?: number } {
  return options.pollMs === undefined ? {} : { pollMs: options.pollMs };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function positiveInteger(name: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError(`${name} must be a whole number >= 1.`);
    return parsed;
  };
}

if (process.argv[2] === CHILD_FLAG) {
  const [implementation, endpoint, tableName, name, leaseMs] = process.argv.slice(3);
  await runChild(implementation as Implementation, endpoint!, tableName!, name!, Number(leaseMs));
} else {
  const program = new Command()
    .name('bench-lock')
    .description('Our lease lock against dynamodb-lock-client on one dynalite: requests, failed writes, crash takeover, false outcomes.')
    .option('--contenders <n>', 'waiting contenders in the contention phase', positiveInteger('--contenders'), 50)
    .option('--wait-seconds <n>', 'length of the contention phase', positiveInteger('--wait-seconds'), 10)
    .option('--lease-ms <n>', 'lease for both locks', positiveInteger('--lease-ms'), 3_000)
    .option('--crash-runs <n>', 'holders killed per implementation', positiveInteger('--crash-runs'), 3)
    .option('--cycles <n>', 'acquire/hold/release cycles under lost responses', positiveInteger('--cycles'), 40)
    .option(
      '--drop-rate <rate>',
      'share of write responses lost after the write applied',
      (value) => {
        const rate = Number(value);
        if (!(rate >= 0 && rate < 1)) throw new InvalidArgumentError('--drop-rate must be in [0, 1).');
        return rate;
      },
      0.2,
    )
    .option('--seed <n>', 'seed of the lost-response schedule', positiveInteger('--seed'), 1)
    .option('--poll-ms <n>', "our contenders' read interval (default leaseMs / 10): fewer reads, slower takeover", positiveInteger('--poll-ms'))
    .parse();
  await main(program.opts<Options>());
}
