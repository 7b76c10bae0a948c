import type { Command } from 'commander';
import { seedState } from '../../refresher/seed-state.js';
import { ConfigurationError } from '../../shared/errors.js';
import { parseMilliseconds } from '../options.js';
import { print } from '../output.js';

/** The variable that may carry the new state instead of stdin (never argv: arguments show in `ps` and shell history). */
export const SEED_STATE_VARIABLE = 'TOKEN_REFRESHER_SEED_STATE';

interface SeedStateCommandOptions {
  secretId: string;
  stateSecretId: string;
  table: string;
  label?: string;
  key: string;
  timeout: number;
  json?: boolean;
}

export function registerSeedStateCommand(program: Command): void {
  program
    .command('seed-state')
    .description(
      `Put new refresh state (e.g. a refresh token after re-authorizing) into the state secret under the lease, and clear a "state lost" record. The state comes from stdin or ${SEED_STATE_VARIABLE}, never from the command line: a JSON object of string fields, or a bare value stored under --key.`,
    )
    .requiredOption('--secret-id <id>', 'the token secret: name or ARN')
    .requiredOption('--state-secret-id <id>', "the secret keeping the refreshers' state (their stateSecretId)")
    .requiredOption('--table <name>', 'the lease table')
    .option('--label <label>', 'the staging label the refreshers manage', 'AWSCURRENT')
    .option('--key <field>', 'the state field a bare value is stored under', 'refreshToken')
    .option('--timeout <ms>', 'how long to wait for a refresh in progress to finish', parseMilliseconds, 30_000)
    .option('--json', 'print the result as JSON')
    .action(async (options: SeedStateCommandOptions) => {
      const state = parseSeed(await readSeed(), options.key);
      const result = await seedState({
        secretId: options.secretId,
        stateSecretId: options.stateSecretId,
        lockTable: options.table,
        state,
        timeoutMs: options.timeout,
        ...(options.label ? { label: options.label } : {}),
      });
      print(options.json, result, () =>
        [
          `Seeded ${result.stateSecretId}: version ${result.stateVersionId} (under lease fence ${result.fence}).`,
          result.clearedStateLost ? 'The fleet had recorded the state as lost; it refreshes with the new state from its next back-off step.' : '',
        ]
          .filter(Boolean)
          .join('\n'),
      );
    });
}

async function readSeed(): Promise<string> {
  const fromVariable = process.env[SEED_STATE_VARIABLE];
  if (fromVariable !== undefined && fromVariable.trim() !== '') return fromVariable;
  if (process.stdin.isTTY) {
    throw new ConfigurationError(`No state given: pipe it into stdin (e.g. \`seed-state … < state.json\`) or set ${SEED_STATE_VARIABLE}.`);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** A JSON object is the whole state; anything else is one value stored under `key`. */
export function parseSeed(text: string, key: string): Record<string, string> {
  const trimmed = text.trim();
  if (trimmed === '') throw new ConfigurationError(`The state is empty: pipe it into stdin or set ${SEED_STATE_VARIABLE}.`);
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new ConfigurationError('The state starts with "{" but is not valid JSON: give a JSON object of string fields, or a bare value.');
    }
    return parsed as Record<string, string>;
  }
  return { [key]: trimmed };
}
