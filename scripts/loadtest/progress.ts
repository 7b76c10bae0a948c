import type { RunProgress } from './harness.js';

/**
 * Formats one live status line: where the run is and what the fleet has done so far.
 *
 * @example
 * ```ts
 * process.stdout.write(`\r${formatProgress(progress)}`);
 * ```
 */
export function formatProgress(progress: RunProgress): string {
  const elapsed = Math.min(progress.elapsedMs, progress.durationMs) / 1000;
  const minLeft = progress.minRemainingMs === null ? '–' : `${(progress.minRemainingMs / 1000).toFixed(2)}s`;
  return (
    `[${progress.strategy}/${progress.fault}] ${elapsed.toFixed(0)}/${progress.durationMs / 1000}s ` +
    `calls ${progress.calls}  gens ${progress.generations}  IdP ${progress.idpCalls}  versions ${progress.versions}  ` +
    `errors ${progress.errors}  min left ${minLeft}  expired ${progress.servedExpired}`
  );
}

/** Writes progress lines: redrawn in place on a terminal, one line every few seconds otherwise. */
export function progressPrinter(stream: NodeJS.WriteStream = process.stdout): {
  update(progress: RunProgress): void;
  done(): void;
} {
  let lastPrinted = 0;
  return {
    update(progress) {
      const line = formatProgress(progress);
      if (stream.isTTY) {
        stream.write(`\r\u001b[2K${line.slice(0, (stream.columns ?? 160) - 1)}`);
      } else if (Date.now() - lastPrinted >= 5_000) {
        lastPrinted = Date.now();
        stream.write(`${line}\n`);
      }
    },
    done() {
      if (stream.isTTY) stream.write('\n');
    },
  };
}
