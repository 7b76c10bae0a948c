import type { Command } from 'commander';
import { rollback } from '../../refresher/rollback.js';
import { parseMilliseconds } from '../options.js';
import { print } from '../output.js';

interface RollbackCommandOptions {
  secretId: string;
  table: string;
  label?: string;
  toVersion?: string;
  timeout: number;
  json?: boolean;
}

export function registerRollbackCommand(program: Command): void {
  program
    .command('rollback')
    .description(
      'Move the label back to AWSPREVIOUS (or --to-version) with the compare-and-swap AWS requires, under the lease so it cannot race a refresh.',
    )
    .requiredOption('--secret-id <id>', 'the secret: name or ARN')
    .requiredOption('--table <name>', 'the lease table')
    .option('--label <label>', 'the staging label the refreshers manage', 'AWSCURRENT')
    .option('--to-version <versionId>', 'the version to restore (default: the previous one)')
    .option('--timeout <ms>', 'how long to wait for a refresh in progress to finish', parseMilliseconds, 30_000)
    .option('--json', 'print the result as JSON')
    .action(async (options: RollbackCommandOptions) => {
      const result = await rollback({
        secretId: options.secretId,
        lockTable: options.table,
        timeoutMs: options.timeout,
        ...(options.label ? { label: options.label } : {}),
        ...(options.toVersion ? { toVersionId: options.toVersion } : {}),
      });
      print(options.json, result, () =>
        [
          `Moved ${result.label} from ${result.fromVersionId} to ${result.toVersionId} (under lease fence ${result.fence}).`,
          result.expiresAt === undefined
            ? 'The restored version is not a token envelope.'
            : `Restored generation ${result.generation ?? '?'}, which expires ${result.expiresAt}; refreshers replace it when it reaches its refresh point.`,
        ].join('\n'),
      );
    });
}
