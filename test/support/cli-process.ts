import { once } from 'node:events';
import { spawnTypeScript, type SpawnedScript } from './processes.js';

/** A `token-refresher …` process from the source tree, with every stdout chunk kept for leak scans. */
export interface CliProcess {
  process: SpawnedScript;
  /** Everything written to stdout so far, as written. */
  output: string[];
  /** Resolves once the process has exited and its output is complete, with its JSON log lines. */
  finished(): Promise<{ code: number | null; lines: Array<Record<string, unknown>> }>;
  /** The next JSON log line whose `event` is `event` (and that `accept` accepts). */
  next(event: string, accept?: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

/** A line of JSON output as an object; anything else (a human line, a cut-off line) is not one. */
function parse(line: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `src/cli/main.ts` with `args` in a child process.
 *
 * @example
 * ```ts
 * const worker = spawnCli(['worker', '--secret-id', secretId, '--table', table, '--once'], stack.environment());
 * expect((await worker.finished()).code).toBe(0);
 * ```
 */
export function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv): CliProcess {
  const child = spawnTypeScript('src/cli/main.ts', args, { env });
  const output: string[] = [];
  child.child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  // 'close' comes after the last output; 'exit' may come before it.
  const closed = once(child.child, 'close');
  return {
    process: child,
    output,
    async finished() {
      await closed;
      const lines = output
        .join('')
        .split('\n')
        .map(parse)
        .filter((line) => line !== undefined);
      return { code: child.child.exitCode, lines };
    },
    async next(event, accept = () => true) {
      const line = await child.nextLine((candidate) => {
        const parsed = parse(candidate);
        return parsed?.event === event && accept(parsed);
      });
      return parse(line) as Record<string, unknown>;
    },
  };
}
