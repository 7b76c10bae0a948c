/**
 * The Lambda layer's entry point (`scripts/build-extension.ts` bundles it): only the worker command,
 * which the launcher `extensions/token-refresher` runs as `worker --lambda-extension`, so the bundle
 * leaves out the local stack and the operator commands.
 */
import { Command } from 'commander';
import { registerWorkerCommand } from './commands/worker.js';

const program = new Command('token-refresher').showHelpAfterError();
registerWorkerCommand(program);
try {
  await program.parseAsync(process.argv);
} catch (error) {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`token-refresher: ${name}: ${message}\n`);
  process.exitCode = 1;
}
