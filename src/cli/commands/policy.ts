import { Option, type Command } from 'commander';
import { buildPolicies } from '../../iam/index.js';

const ROLES = ['all', 'reader', 'refresher', 'operator', 'table-admin'] as const;

interface PolicyCommandOptions {
  secretId: string;
  table: string;
  label?: string;
  lockName?: string;
  region?: string;
  account?: string;
  kmsKeyArn?: string;
  replicaRegions?: string[];
  stateSecretId?: string;
  role: (typeof ROLES)[number];
  createSecret?: boolean;
}

export function registerPolicyCommand(program: Command): void {
  program
    .command('policy')
    .description('Print least-privilege IAM policy documents: reader, refresher, operator (status, rollback) and table admin (init-table).')
    .requiredOption('--secret-id <id>', 'the secret: name or full ARN')
    .requiredOption('--table <name>', 'the lease table: name or ARN')
    .option('--label <label>', 'the staging label the refreshers manage', 'AWSCURRENT')
    .option('--lock-name <name>', 'the lock item name, if the refreshers were given one')
    .option('--region <region>', 'Region of resources given by name (default: any)')
    .option('--account <id>', 'account of resources given by name (default: any)')
    .option('--kms-key-arn <arn>', 'the customer managed KMS key that encrypts the secret, if any')
    .option('--replica-regions <regions>', 'comma-separated Regions holding replicas of the secret: reads are granted there too', (value: string) =>
      value.split(',').map((region) => region.trim()),
    )
    .option('--state-secret-id <id>', 'the secret keeping refresh state (rotating refresh tokens): refreshers and the operator get it, readers never')
    .option('--no-create-secret', 'do not let refreshers create the secret (it exists already)')
    .addOption(new Option('--role <role>', 'which document to print').choices(ROLES).default('all'))
    .action((options: PolicyCommandOptions) => {
      const policies = buildPolicies({
        secret: options.secretId,
        table: options.table,
        ...(options.label ? { label: options.label } : {}),
        ...(options.lockName ? { lockName: options.lockName } : {}),
        ...(options.region ? { region: options.region } : {}),
        ...(options.account ? { accountId: options.account } : {}),
        ...(options.kmsKeyArn ? { kmsKeyArn: options.kmsKeyArn } : {}),
        ...(options.replicaRegions ? { replicaRegions: options.replicaRegions } : {}),
        ...(options.stateSecretId ? { stateSecret: options.stateSecretId } : {}),
        ...(options.createSecret === false ? { allowCreateSecret: false } : {}),
      });
      for (const warning of policies.warnings) process.stderr.write(`warning: ${warning}\n`);
      const chosen =
        options.role === 'all'
          ? { reader: policies.reader, refresher: policies.refresher, operator: policies.operator, tableAdmin: policies.tableAdmin }
          : options.role === 'table-admin'
            ? policies.tableAdmin
            : policies[options.role];
      process.stdout.write(`${JSON.stringify(chosen, null, 2)}\n`);
    });
}
