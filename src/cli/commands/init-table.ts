import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Command } from 'commander';
import { ensureLockTable } from '../../lock/table.js';
import { print } from '../output.js';

interface InitTableOptions {
  table: string;
  json?: boolean;
}

export function registerInitTableCommand(program: Command): void {
  program
    .command('init-table')
    .description(
      'Create the lease table if it is missing (on-demand, string key "pk"), check an existing one, and enable TTL where supported. Idempotent.',
    )
    .requiredOption('--table <name>', 'the lease table')
    .option('--json', 'print the result as JSON')
    .action(async (options: InitTableOptions) => {
      const client = new DynamoDBClient({});
      try {
        const result = await ensureLockTable({ client, tableName: options.table });
        print(options.json, { table: options.table, ...result }, () =>
          [
            `${result.created ? 'Created' : 'Found'} table ${options.table} (key schema fits).`,
            `TTL: ${result.ttl === 'unsupported' ? 'not supported by this endpoint (fine: TTL only cleans up, never decides)' : result.ttl}.`,
          ].join('\n'),
        );
      } finally {
        client.destroy();
      }
    });
}
