import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** How a spawned process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A TypeScript script running in a child Node process, with its stdout read line by line. */
export interface SpawnedScript {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the next stdout line matching `predicate` (any line by default); rejects if the process exits first. */
  nextLine(predicate?: (line: string) => boolean): Promise<string>;
  /** The next stdout line that parses as JSON, parsed. */
  nextJson<T>(): Promise<T>;
  /** Everything the process wrote to stderr so far (for failure messages). */
  stderr(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ProcessExit>;
  /** Sends `signal` (default SIGTERM) and waits for the exit. Harmless if it already exited. */
  kill(signal?: NodeJS.Signals): Promise<ProcessExit>;
}

/**
 * Runs `script` with `node --import tsx` (so tests can spawn TypeScript directly), for claims that
 * need real processes: crashes (`kill('SIGKILL')`), several processes on one resource.
 *
 * @example
 * ```ts
 * const child = spawnTypeScript('test/local/secrets-manager/emulator-process.ts', [dataDir]);
 * const { endpoint } = await child.nextJson<{ endpoint: string }>();
 * await child.kill('SIGKILL');
 * ```
 */
export function spawnTypeScript(
  script: string,
  args: readonly string[] = [],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): SpawnedScript {
  return spawnProcess(process.execPath, ['--import', 'tsx', script, ...args], options, script);
}

/**
 * Runs any executable — a Python function, a Lambda layer's launcher — with the same line-by-line
 * reading of stdout as {@link spawnTypeScript}.
 *
 * @example
 * ```ts
 * const extension = spawnProcess('/tmp/layer/extensions/token-refresher', [], { env });
 * ```
 */
export function spawnProcess(
  command: string,
  args: readonly string[] = [],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
  script: string = command,
): SpawnedScript {
  const child = spawn(command, args, {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`Could not spawn ${script}.`);
  const pid = child.pid;
  const lines: string[] = [];
  const waiting: Array<{ predicate: (line: string) => boolean; resolve: (line: string) => void; reject: (error: Error) => void }> = [];
  let stderr = '';
  let exit: ProcessExit | undefined;

  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      for (const waiter of waiting.splice(0)) {
        waiter.reject(new Error(`${script} exited (code ${code}, signal ${signal}) before printing the expected line. stderr:\n${stderr}`));
      }
      resolve(exit);
    });
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const index = waiting.findIndex((waiter) => waiter.predicate(line));
    if (index >= 0) waiting.splice(index, 1)[0]?.resolve(line);
    else lines.push(line);
  });

  const nextLine = (predicate: (line: string) => boolean = () => true): Promise<string> => {
    const index = lines.findIndex(predicate);
    if (index >= 0) return Promise.resolve(lines.splice(index, 1)[0] as string);
    if (exit) return Promise.reject(new Error(`${script} has exited. stderr:\n${stderr}`));
    return new Promise((resolve, reject) => waiting.push({ predicate, resolve, reject }));
  };

  return {
    child,
    pid,
    nextLine,
    async nextJson<T>() {
      const line = await nextLine((candidate) => {
        try {
          JSON.parse(candidate);
          return true;
        } catch {
          return false;
        }
      });
      return JSON.parse(line) as T;
    },
    stderr: () => stderr,
    exited,
    async kill(signal = 'SIGTERM') {
      if (!exit) child.kill(signal);
      return exited;
    },
  };
}
