import type { Command } from 'commander';
import { startLocalStack } from '../../local/stack.js';
import { parsePort } from '../options.js';

interface LocalOptions {
  dynamodbPort: number;
  secretsManagerPort: number;
  dataDir?: string;
  json?: boolean;
}

export function registerLocalCommand(program: Command): void {
  program
    .command('local')
    .description('Run dynalite and the Secrets Manager emulator on loopback until SIGINT or SIGTERM.')
    .option('--dynamodb-port <port>', 'port for DynamoDB (0 = any free port)', parsePort, 0)
    .option('--secrets-manager-port <port>', 'port for Secrets Manager (0 = any free port)', parsePort, 0)
    .option('--data-dir <dir>', 'keep state in this folder across restarts (in memory otherwise)')
    .option('--json', 'print one JSON line with both endpoints once they accept connections')
    .action(async (options: LocalOptions) => {
      // Listen before anything is printed: a supervisor may signal as soon as it reads the endpoints.
      const stopRequested = new Promise<void>((resolve) => {
        let signals = 0;
        const onSignal = (): void => {
          signals += 1;
          // A second Ctrl-C means "now": do not wait for open connections to drain.
          if (signals > 1) process.exit(130);
          resolve();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      const stack = await startLocalStack({
        dynamodbPort: options.dynamodbPort,
        secretsManagerPort: options.secretsManagerPort,
        ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
      });
      if (options.json) {
        process.stdout.write(
          `${JSON.stringify({ dynamodbEndpoint: stack.dynamodbEndpoint, secretsManagerEndpoint: stack.secretsManagerEndpoint })}\n`,
        );
      } else {
        process.stdout.write(
          [
            `DynamoDB (dynalite)        ${stack.dynamodbEndpoint}`,
            `Secrets Manager (emulator) ${stack.secretsManagerEndpoint}`,
            options.dataDir === undefined ? 'State: in memory' : `State: ${options.dataDir}`,
            '',
            'Point the AWS SDK and CLI in another shell at this stack:',
            `  export AWS_ENDPOINT_URL_DYNAMODB=${stack.dynamodbEndpoint}`,
            `  export AWS_ENDPOINT_URL_SECRETS_MANAGER=${stack.secretsManagerEndpoint}`,
            '  export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local',
            '',
            'Press Ctrl-C to stop.',
            '',
          ].join('\n'),
        );
      }
      await stopRequested;
      await stack.close();
      process.exit(0);
    });
}
