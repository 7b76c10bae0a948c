import { describe, expect, it } from 'vitest';
import {
  CREATE_SECRET_ACTIONS,
  KMS_READ_ACTIONS,
  KMS_WRITE_ACTIONS,
  LOCK_ITEM_ACTIONS,
  OPERATOR_SECRET_ACTIONS,
  READER_ACTIONS,
  REFRESHER_SECRET_ACTIONS,
  TABLE_ADMIN_ACTIONS,
  actionsOf,
  buildPolicies,
  type BuildPoliciesOptions,
  type PolicyDocument,
} from '../../src/iam/index.js';
import { lockNameFor } from '../../src/refresher/index.js';
import { ConfigurationError } from '../../src/shared/errors.js';
import { allows, type IamRequest } from './policy-evaluator.js';

const ACCOUNT = '123456789012';
const SECRET_ARN = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:prod/api-token-AbC123`;
const TABLE_ARN = `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/token-locks`;
const LOCK_KEY = 'token-refresher/prod/api-token/AWSCURRENT';
const KMS_KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const BY_ARN: BuildPoliciesOptions = { secret: SECRET_ARN, table: TABLE_ARN };
const BY_NAME: BuildPoliciesOptions = { secret: 'prod/api-token', table: 'token-locks', region: 'eu-west-1', accountId: ACCOUNT };
const IAM_OPERATORS = new Set(['StringEquals', 'StringLike', 'ForAnyValue:StringEquals', 'ForAllValues:StringEquals']);

function documentsOf(options: BuildPoliciesOptions): Record<string, PolicyDocument> {
  const { reader, refresher, tableAdmin, operator } = buildPolicies(options);
  return { reader, refresher, tableAdmin, operator };
}

function rejection(options: unknown): ConfigurationError {
  try {
    buildPolicies(options as BuildPoliciesOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError');
}

const getValue = (stage?: string, resource = SECRET_ARN): IamRequest => ({
  action: 'secretsmanager:GetSecretValue',
  resource,
  ...(stage === undefined ? {} : { context: { 'secretsmanager:VersionStage': [stage] } }),
});
const moveLabel = (stage: string): IamRequest => ({
  action: 'secretsmanager:UpdateSecretVersionStage',
  resource: SECRET_ARN,
  context: { 'secretsmanager:VersionStage': [stage] },
});
const lockItem = (action: string, key?: string): IamRequest => ({
  action,
  resource: TABLE_ARN,
  ...(key === undefined ? {} : { context: { 'dynamodb:LeadingKeys': [key] } }),
});

describe('Function: buildPolicies', () => {
  describe('document shape', () => {
    const variants: Array<[string, BuildPoliciesOptions]> = [
      ['a secret and table given by ARN', BY_ARN],
      ['a secret and table given by name', BY_NAME],
      ['a customer managed KMS key', { ...BY_ARN, kmsKeyArn: KMS_KEY }],
      ['names with unknown region and account', { secret: 'api-token', table: 'locks' }],
    ];
    for (const [what, options] of variants) {
      it(`produces valid IAM JSON with no wildcard action or resource for ${what}`, () => {
        for (const document of Object.values(documentsOf(options))) {
          const roundTripped = JSON.parse(JSON.stringify(document)) as PolicyDocument;
          expect(roundTripped).toEqual(document);
          expect(document.Version).toBe('2012-10-17');
          expect(document.Statement.length).toBeGreaterThan(0);
          expect(new Set(document.Statement.map((s) => s.Sid)).size).toBe(document.Statement.length);
          for (const statement of document.Statement) {
            expect(Object.keys(statement).sort()).toEqual(
              statement.Condition === undefined ? ['Action', 'Effect', 'Resource', 'Sid'] : ['Action', 'Condition', 'Effect', 'Resource', 'Sid'],
            );
            expect(statement.Sid).toMatch(/^[A-Za-z0-9]+$/);
            expect(statement.Effect).toBe('Allow');
            expect(statement.Action.length).toBeGreaterThan(0);
            for (const action of statement.Action) expect(action).toMatch(/^(secretsmanager|dynamodb|kms):[A-Za-z]+$/);
            expect(statement.Resource.length).toBeGreaterThan(0);
            for (const resource of statement.Resource) {
              expect(resource).not.toBe('*');
              expect(resource).toMatch(/^arn:aws:(secretsmanager|dynamodb|kms):/);
              // Only the ARN positions we could not know may be wildcards, never the resource's own name.
              expect(resource.split(':').slice(5).join(':')).not.toMatch(/\*/);
            }
            for (const operator of Object.keys(statement.Condition ?? {})) expect(IAM_OPERATORS).toContain(operator);
          }
          // IAM's managed-policy size limit, counted without whitespace.
          expect(JSON.stringify(document).length).toBeLessThan(6_144);
        }
      });
    }

    it('grants exactly the exported action lists, so a test can compare them with the calls a run sends', () => {
      const { reader, refresher, tableAdmin, operator } = buildPolicies({ ...BY_NAME, kmsKeyArn: KMS_KEY });

      expect(actionsOf(reader)).toEqual([...READER_ACTIONS, ...KMS_READ_ACTIONS].sort());
      expect(actionsOf(refresher)).toEqual(
        [
          ...READER_ACTIONS,
          ...REFRESHER_SECRET_ACTIONS,
          ...CREATE_SECRET_ACTIONS,
          ...LOCK_ITEM_ACTIONS,
          ...KMS_READ_ACTIONS,
          ...KMS_WRITE_ACTIONS,
        ].sort(),
      );
      expect(actionsOf(tableAdmin)).toEqual([...TABLE_ADMIN_ACTIONS].sort());
      expect(actionsOf(operator)).toEqual([...OPERATOR_SECRET_ACTIONS, ...LOCK_ITEM_ACTIONS, ...KMS_READ_ACTIONS].sort());
    });

    it('names the lock calls the lease lock makes and the table calls init-table makes', () => {
      expect(LOCK_ITEM_ACTIONS).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
      expect(TABLE_ADMIN_ACTIONS).toEqual([
        'dynamodb:CreateTable',
        'dynamodb:DescribeTable',
        'dynamodb:DescribeTimeToLive',
        'dynamodb:UpdateTimeToLive',
      ]);
    });
  });

  describe('reader', () => {
    const { reader } = buildPolicies(BY_ARN);

    it('reads the managed label of this one secret, and only when the request names the label', () => {
      expect(allows(reader, getValue('AWSCURRENT'))).toBe(true);
      // Without VersionStage the key is absent: ForAnyValue is false, so the default read is denied.
      expect(allows(reader, getValue())).toBe(false);
      expect(allows(reader, getValue('AWSPENDING'))).toBe(false);
      expect(allows(reader, getValue('AWSPREVIOUS'))).toBe(false);
      expect(allows(reader, getValue('AWSCURRENT', SECRET_ARN.replace('AbC123', 'XyZ789')))).toBe(false);
    });

    it('cannot write, describe or list', () => {
      for (const action of ['PutSecretValue', 'UpdateSecretVersionStage', 'DescribeSecret', 'ListSecretVersionIds', 'ListSecrets', 'CreateSecret']) {
        expect(
          allows(reader, { action: `secretsmanager:${action}`, resource: SECRET_ARN, context: { 'secretsmanager:VersionStage': ['AWSCURRENT'] } }),
        ).toBe(false);
      }
    });

    it('follows a custom label', () => {
      const custom = buildPolicies({ ...BY_ARN, label: 'TOKEN' }).reader;
      expect(allows(custom, getValue('TOKEN'))).toBe(true);
      expect(allows(custom, getValue('AWSCURRENT'))).toBe(false);
    });
  });

  describe('replicas in other Regions', () => {
    const REPLICA_ARN = SECRET_ARN.replace(':eu-west-1:', ':us-east-1:');
    const { reader, refresher, warnings } = buildPolicies({ ...BY_ARN, replicaRegions: ['us-east-1'] });

    it('lets readers and refreshers read the managed label of the replica, the same secret in another Region', () => {
      expect(allows(reader, getValue('AWSCURRENT', REPLICA_ARN))).toBe(true);
      expect(allows(refresher, getValue('AWSCURRENT', REPLICA_ARN))).toBe(true);
      expect(allows(reader, getValue('AWSPENDING', REPLICA_ARN))).toBe(false);
      expect(allows(reader, getValue('AWSCURRENT', SECRET_ARN.replace(':eu-west-1:', ':ap-southeast-2:')))).toBe(false);
      expect(buildPolicies(BY_ARN).reader.Statement[0]?.Resource).toEqual([SECRET_ARN]);
      expect(warnings).toEqual([]);
    });

    it('lets the operator read replicas for status, and move the label on the primary only', () => {
      const { operator } = buildPolicies({ ...BY_ARN, replicaRegions: ['us-east-1'] });
      expect(allows(operator, getValue('AWSCURRENT', REPLICA_ARN))).toBe(true);
      expect(allows(operator, { ...moveLabel('AWSCURRENT'), resource: REPLICA_ARN })).toBe(false);
      expect(allows(operator, moveLabel('AWSCURRENT'))).toBe(true);
    });

    it('writes only the primary: replicas refuse writes', () => {
      expect(allows(refresher, { action: 'secretsmanager:PutSecretValue', resource: REPLICA_ARN })).toBe(false);
      expect(allows(refresher, { ...moveLabel('AWSCURRENT'), resource: REPLICA_ARN })).toBe(false);
      expect(allows(refresher, { action: 'secretsmanager:PutSecretValue', resource: SECRET_ARN })).toBe(true);
    });

    it('covers a secret given by name in each replica Region, and says what a replica’s own KMS key needs', () => {
      const byName = buildPolicies({ ...BY_NAME, replicaRegions: ['us-east-1', 'ap-southeast-2'], kmsKeyArn: KMS_KEY });
      expect(byName.reader.Statement[0]?.Resource).toEqual([
        `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:prod/api-token-??????`,
        `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:prod/api-token-??????`,
        `arn:aws:secretsmanager:ap-southeast-2:${ACCOUNT}:secret:prod/api-token-??????`,
      ]);
      expect(byName.warnings).toEqual([expect.stringMatching(/replica encrypted with its own customer managed key/)]);
    });

    it('refuses replica Regions that are no Regions, the primary Region itself, or a primary of unknown Region', () => {
      expect(rejection({ ...BY_ARN, replicaRegions: ['Ireland'] }).message).toMatch(/replicaRegions must be a region such as eu-west-1/);
      expect(rejection({ ...BY_ARN, replicaRegions: ['eu-west-1'] }).message).toMatch(/names the primary Region/);
      expect(rejection({ ...BY_ARN, replicaRegions: [] }).message).toMatch(/non-empty list/);
      expect(rejection({ secret: 'api-token', table: 'locks', replicaRegions: ['us-east-1'] }).message).toMatch(/needs the primary's Region/);
    });
  });

  describe('refresh state (stateSecret)', () => {
    const STATE_ARN = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:prod/api-token-state-XyZ789`;
    const { reader, refresher, operator } = buildPolicies({ ...BY_ARN, stateSecret: STATE_ARN });
    const stateCalls = (stage = 'AWSCURRENT'): IamRequest[] => [
      getValue(stage, STATE_ARN),
      { action: 'secretsmanager:PutSecretValue', resource: STATE_ARN },
      { ...moveLabel(stage), resource: STATE_ARN },
    ];

    it('lets refreshers and the operator (seed-state) read, write and move AWSCURRENT of the state secret', () => {
      for (const call of stateCalls()) {
        expect(allows(refresher, call)).toBe(true);
        expect(allows(operator, call)).toBe(true);
      }
    });

    it('never lets readers reach the state, whatever the stage, nor anyone read it without naming AWSCURRENT', () => {
      for (const stage of ['AWSCURRENT', 'AWSPENDING', 'AWSPREVIOUS']) for (const call of stateCalls(stage)) expect(allows(reader, call)).toBe(false);
      expect(allows(refresher, getValue(undefined, STATE_ARN))).toBe(false);
      expect(allows(refresher, getValue('AWSPREVIOUS', STATE_ARN))).toBe(false);
      expect(allows(buildPolicies(BY_ARN).refresher, getValue('AWSCURRENT', STATE_ARN))).toBe(false);
    });

    it('may create a state secret given by name, only under that name', () => {
      const byName = buildPolicies({ ...BY_NAME, stateSecret: 'prod/api-token-state' });
      const create = (name: string): IamRequest => ({
        action: 'secretsmanager:CreateSecret',
        resource: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:${name}-AbCdEf`,
        context: { 'secretsmanager:Name': [name] },
      });
      expect(allows(byName.refresher, create('prod/api-token-state'))).toBe(true);
      expect(allows(byName.operator, create('prod/api-token-state'))).toBe(true);
      expect(allows(byName.reader, create('prod/api-token-state'))).toBe(false);
      expect(allows(byName.refresher, create('prod/other-state'))).toBe(false);
    });

    it('refuses the token secret as its own state secret', () => {
      expect(rejection({ ...BY_ARN, stateSecret: 'prod/api-token' }).message).toMatch(/stateSecret must be a secret other than secret/);
    });
  });

  describe('refresher', () => {
    const { refresher } = buildPolicies(BY_ARN);

    it('writes pending versions, counts versions and moves only the managed label', () => {
      expect(allows(refresher, getValue('AWSCURRENT'))).toBe(true);
      expect(allows(refresher, { action: 'secretsmanager:PutSecretValue', resource: SECRET_ARN })).toBe(true);
      expect(allows(refresher, { action: 'secretsmanager:ListSecretVersionIds', resource: SECRET_ARN })).toBe(true);
      expect(allows(refresher, moveLabel('AWSCURRENT'))).toBe(true);
      expect(allows(refresher, moveLabel('AWSPREVIOUS'))).toBe(false);
      expect(allows(refresher, { action: 'secretsmanager:DeleteSecret', resource: SECRET_ARN })).toBe(false);
      expect(
        allows(refresher, { action: 'secretsmanager:PutSecretValue', resource: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:other-AbC123` }),
      ).toBe(false);
    });

    it('touches only its own lock item, with the two item actions the lock uses', () => {
      expect(allows(refresher, lockItem('dynamodb:GetItem', LOCK_KEY))).toBe(true);
      expect(allows(refresher, lockItem('dynamodb:UpdateItem', LOCK_KEY))).toBe(true);
      expect(allows(refresher, lockItem('dynamodb:UpdateItem', 'token-refresher/other/AWSCURRENT'))).toBe(false);
      expect(allows(refresher, lockItem('dynamodb:UpdateItem', `${LOCK_KEY}-suffix`))).toBe(false);
      // Actions without a key (where ForAllValues would hold vacuously) are simply not granted.
      expect(allows(refresher, lockItem('dynamodb:Scan'))).toBe(false);
      expect(allows(refresher, lockItem('dynamodb:DeleteItem', LOCK_KEY))).toBe(false);
      expect(allows(refresher, lockItem('dynamodb:PutItem', LOCK_KEY))).toBe(false);
    });

    it('locks the item the refresher names for this secret and label, or the lock name it was given', () => {
      expect(lockNameFor(SECRET_ARN, 'AWSCURRENT')).toBe(LOCK_KEY);
      const custom = buildPolicies({ ...BY_ARN, label: 'TOKEN' }).refresher;
      expect(allows(custom, lockItem('dynamodb:UpdateItem', lockNameFor(SECRET_ARN, 'TOKEN')))).toBe(true);
      expect(allows(custom, lockItem('dynamodb:UpdateItem', LOCK_KEY))).toBe(false);
      const named = buildPolicies({ ...BY_ARN, lockName: 'my-lock' }).refresher;
      expect(allows(named, lockItem('dynamodb:GetItem', 'my-lock'))).toBe(true);
      expect(allows(named, lockItem('dynamodb:GetItem', LOCK_KEY))).toBe(false);
    });

    it('cannot create a secret given by ARN, which exists already', () => {
      expect(actionsOf(refresher)).not.toContain('secretsmanager:CreateSecret');
      expect(rejection({ ...BY_ARN, allowCreateSecret: true }).message).toMatch(/allowCreateSecret needs the secret by name/);
    });
  });

  describe('a secret given by name', () => {
    const { reader, refresher, warnings } = buildPolicies(BY_NAME);
    const created = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:prod/api-token-Q1w2E3`;

    it('matches the secret under any 6-character suffix and nothing longer', () => {
      expect(reader.Statement[0]?.Resource).toEqual([`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:prod/api-token-??????`]);
      expect(allows(reader, getValue('AWSCURRENT', created))).toBe(true);
      expect(allows(reader, getValue('AWSCURRENT', `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:prod/api-token-v2-Q1w2E3`))).toBe(false);
      expect(allows(reader, getValue('AWSCURRENT', `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:prod/api-token-Q1w2E3`))).toBe(false);
      expect(warnings).toEqual([]);
    });

    it('may create that secret, and only under that name', () => {
      const create = (name: string, resource: string): IamRequest => ({
        action: 'secretsmanager:CreateSecret',
        resource,
        context: { 'secretsmanager:Name': [name] },
      });
      expect(allows(refresher, create('prod/api-token', created))).toBe(true);
      expect(allows(refresher, create('prod/other', `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:prod/other-Q1w2E3`))).toBe(false);
      expect(buildPolicies({ ...BY_NAME, allowCreateSecret: false }).refresher.Statement.map((s) => s.Sid)).not.toContain('CreateSecretIfMissing');
    });

    it('warns when the region or account is unknown and the patterns widen', () => {
      const { warnings: unknown, reader: wide } = buildPolicies({ secret: 'api-token', table: 'locks' });
      expect(wide.Statement[0]?.Resource).toEqual(['arn:aws:secretsmanager:*:*:secret:api-token-??????']);
      expect(unknown).toHaveLength(4);
      expect(unknown.join('\n')).toMatch(/secret is given by name and no region was passed.*Pass region/);
      expect(unknown.join('\n')).toMatch(/table is given by name and no accountId was passed/);
    });
  });

  describe('KMS', () => {
    it('lets readers decrypt and refreshers also generate data keys, only for this secret', () => {
      const { reader, refresher } = buildPolicies({ ...BY_ARN, kmsKeyArn: KMS_KEY });
      const kms = (action: string, secretArn = SECRET_ARN): IamRequest => ({
        action,
        resource: KMS_KEY,
        context: { 'kms:EncryptionContext:SecretARN': [secretArn] },
      });
      expect(allows(reader, kms('kms:Decrypt'))).toBe(true);
      expect(allows(reader, kms('kms:GenerateDataKey'))).toBe(false);
      expect(allows(refresher, kms('kms:GenerateDataKey'))).toBe(true);
      expect(allows(refresher, kms('kms:Decrypt', SECRET_ARN.replace('api-token', 'other')))).toBe(false);
    });

    it('grants nothing on KMS without a customer managed key', () => {
      expect(actionsOf(buildPolicies(BY_ARN).refresher).filter((action) => action.startsWith('kms:'))).toEqual([]);
    });
  });

  describe('operator', () => {
    const { operator } = buildPolicies(BY_ARN);

    it('reads any version of the secret (rollback reads its target by VersionId alone) and moves only the managed label back', () => {
      expect(
        allows(operator, { action: 'secretsmanager:GetSecretValue', resource: SECRET_ARN, context: { 'secretsmanager:VersionId': ['v-1'] } }),
      ).toBe(true);
      expect(allows(operator, getValue('AWSPREVIOUS'))).toBe(true);
      expect(allows(operator, { action: 'secretsmanager:ListSecretVersionIds', resource: SECRET_ARN })).toBe(true);
      expect(allows(operator, moveLabel('AWSCURRENT'))).toBe(true);
      expect(allows(operator, moveLabel('AWSPENDING'))).toBe(false);
      expect(allows(operator, lockItem('dynamodb:UpdateItem', LOCK_KEY))).toBe(true);
    });

    it('cannot write a token, create a secret or touch another lock item', () => {
      expect(allows(operator, { action: 'secretsmanager:PutSecretValue', resource: SECRET_ARN })).toBe(false);
      expect(allows(operator, { action: 'secretsmanager:CreateSecret', resource: SECRET_ARN })).toBe(false);
      expect(allows(operator, lockItem('dynamodb:GetItem', 'token-refresher/other/AWSCURRENT'))).toBe(false);
    });
  });

  describe('table admin', () => {
    it('administers only the lock table', () => {
      const { tableAdmin } = buildPolicies(BY_ARN);
      expect(tableAdmin.Statement).toEqual([{ Sid: 'InitLockTable', Effect: 'Allow', Action: [...TABLE_ADMIN_ACTIONS], Resource: [TABLE_ARN] }]);
      expect(allows(tableAdmin, { action: 'dynamodb:DeleteTable', resource: TABLE_ARN })).toBe(false);
      expect(allows(tableAdmin, { action: 'dynamodb:GetItem', resource: TABLE_ARN, context: { 'dynamodb:LeadingKeys': [LOCK_KEY] } })).toBe(false);
    });
  });

  describe('validation', () => {
    it('refuses a partial or malformed secret ARN, saying what a full one looks like', () => {
      const partial = rejection({ ...BY_ARN, secret: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:prod/api-token` });
      expect(partial.message).toMatch(/is not a full Secrets Manager ARN .*<name>-<6 characters>/);
      expect(rejection({ ...BY_ARN, secret: `arn:aws:ssm:eu-west-1:${ACCOUNT}:secret:x-AbC123` }).message).toMatch(/not a full Secrets Manager ARN/);
      expect(rejection({ ...BY_ARN, secret: 'arn:aws:secretsmanager:eu-west-1:1234:secret:x-AbC123' }).message).toMatch(
        /not a full Secrets Manager ARN/,
      );
    });

    it('refuses secret and table names with characters AWS does not allow (which would also be IAM wildcards)', () => {
      expect(rejection({ ...BY_NAME, secret: 'prod/*' }).message).toMatch(/not a valid Secrets Manager name/);
      expect(rejection({ ...BY_NAME, secret: 'a?b' }).message).toMatch(/not a valid Secrets Manager name/);
      expect(rejection({ ...BY_NAME, table: 'ab' }).message).toMatch(/not a valid DynamoDB table name/);
      expect(rejection({ ...BY_NAME, table: `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/*` }).message).toMatch(/not a valid DynamoDB table name/);
      expect(rejection({ ...BY_NAME, table: `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:stream/x` }).message).toMatch(/not a DynamoDB table ARN/);
    });

    it('refuses a region, account or partition that contradicts an ARN', () => {
      expect(rejection({ ...BY_ARN, region: 'us-east-1' }).message).toMatch(/region is us-east-1, but the secret ARN says eu-west-1/);
      expect(rejection({ ...BY_ARN, accountId: '999999999999' }).message).toMatch(/accountId is 999999999999, but the secret ARN says 123456789012/);
      expect(rejection({ ...BY_ARN, table: TABLE_ARN.replace('arn:aws:', 'arn:aws-cn:') }).message).toMatch(/partition aws but the table in aws-cn/);
    });

    it('refuses malformed region, account, label, lock key and KMS key, naming the option', () => {
      expect(rejection({ ...BY_NAME, region: 'Europe' }).message).toMatch(/region must be a region such as eu-west-1/);
      expect(rejection({ ...BY_NAME, accountId: '12345' }).message).toMatch(/accountId must be 12 digits/);
      expect(rejection({ ...BY_NAME, partition: 'azure' }).message).toMatch(/partition must be aws, aws-cn or aws-us-gov/);
      expect(rejection({ ...BY_NAME, label: 'AWS*' }).message).toMatch(/label must be a Secrets Manager staging label/);
      expect(rejection({ ...BY_NAME, lockName: '' }).message).toMatch(/lockName must be the lock item's name/);
      expect(rejection({ ...BY_NAME, kmsKeyArn: `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/secrets` }).message).toMatch(/not an alias/);
      expect(rejection({ ...BY_NAME, allowCreateSecret: 'yes' }).message).toMatch(/allowCreateSecret must be true or false/);
    });

    it('names an unknown option and a missing options object', () => {
      expect(rejection({ ...BY_NAME, secretArn: SECRET_ARN }).message).toMatch(/unknown option secretArn; accepted: secret, table/);
      expect(rejection(undefined).message).toMatch(/pass an options object/);
      expect(rejection({ table: TABLE_ARN }).message).toMatch(/secret must be the secret's name or its full ARN/);
    });
  });
});
