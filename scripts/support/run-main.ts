import { TokenRefresherError } from '../../src/index.js';

/**
 * Runs a script's `main`: a typed error of ours is a refusal a person can act on (a bad option, an
 * unreachable service), so it prints its message and exits 2; anything else is a bug and keeps its
 * stack trace.
 *
 * @example
 * ```ts
 * runMain(main);
 * ```
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof TokenRefresherError) {
      process.stderr.write(`${error.name}: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  });
}
