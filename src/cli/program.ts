import { Command } from 'commander';
import { registerInitTableCommand } from './commands/init-table.js';
import { registerLocalCommand } from './commands/local.js';
import { registerPolicyCommand } from './commands/policy.js';
import { registerRollbackCommand } from './commands/rollback.js';
import { registerSeedStateCommand } from './commands/seed-state.js';
import { registerStatusCommand } from './commands/status.js';
import { registerWorkerCommand } from './commands/worker.js';

/**
 * The `token-refresher` command line. Every AWS call uses the SDK's standard configuration (credential
 * chain, region, and the `AWS_ENDPOINT_URL_*` variables that point it at the local stack).
 */
export function buildProgram(): Command {
  const program = new Command('token-refresher')
    .description('One refresh per token lifetime for a whole fleet: a DynamoDB lease elects the refresher, Secrets Manager holds the token.')
    .showHelpAfterError();
  registerLocalCommand(program);
  registerInitTableCommand(program);
  registerStatusCommand(program);
  registerRollbackCommand(program);
  registerSeedStateCommand(program);
  registerPolicyCommand(program);
  registerWorkerCommand(program);
  return program;
}
