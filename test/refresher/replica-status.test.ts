import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { checkReplicaRegions, describeReplicas } from '../../src/refresher/replica-status.js';
import { ConfigurationError } from '../../src/shared/errors.js';
import type { LabelRead } from '../../src/secret/secret-store.js';
import { envelopeCodec } from '../../src/token/codec.js';
import { ManualClock } from '../support/manual-clock.js';

const clock = new ManualClock();
const envelopeOf = (generation: number) =>
  envelopeCodec.encode({ token: `t${generation}`, expiresAt: clock.now() + 60_000, generation, refreshedAt: clock.now() });
const primary: LabelRead = { found: true, versionId: 'v2', value: envelopeOf(2), createdAt: clock.now() - 4_000, stages: ['AWSCURRENT'] };

/** A client per Region that answers GetSecretValue with `answer`, or throws it when it is an Error. */
function clientAnswering(answer: { VersionId: string; SecretString: string } | Error): SecretsManagerClient {
  return {
    send: async () => {
      if (answer instanceof Error) throw answer;
      return { ...answer, VersionStages: ['AWSCURRENT'] };
    },
  } as unknown as SecretsManagerClient;
}

const notFound = (message: string) => Object.assign(new Error(message), { name: 'ResourceNotFoundException' });

describe('Function: describeReplicas', () => {
  it('reports each Region in sync or behind, with its generation and how long since the primary changed', async () => {
    const clients: Record<string, SecretsManagerClient> = {
      'eu-west-1': clientAnswering({ VersionId: 'v2', SecretString: envelopeOf(2) }),
      'ap-southeast-2': clientAnswering({ VersionId: 'v1', SecretString: envelopeOf(1) }),
      'us-west-2': clientAnswering({ VersionId: 'v0', SecretString: 'not an envelope' }),
    };
    const statuses = await describeReplicas({
      secretId: 'replicated/token',
      label: 'AWSCURRENT',
      codec: envelopeCodec,
      clock,
      primary,
      regions: Object.keys(clients),
      clientFor: (region) => clients[region] as SecretsManagerClient,
    });
    expect(statuses).toEqual([
      { region: 'eu-west-1', versionId: 'v2', generation: 2, inSync: true, behindMs: undefined },
      { region: 'ap-southeast-2', versionId: 'v1', generation: 1, inSync: false, behindMs: 4_000 },
      { region: 'us-west-2', versionId: 'v0', generation: undefined, inSync: false, behindMs: 4_000 },
    ]);
  });

  it('says what is missing in a Region, and reports a failed read as its problem', async () => {
    const clients: Record<string, SecretsManagerClient> = {
      'eu-west-1': clientAnswering(notFound("Secrets Manager can't find the specified secret.")),
      'eu-central-1': clientAnswering(notFound("Secrets Manager can't find the specified secret value for staging label: AWSCURRENT")),
      'ap-south-1': clientAnswering(Object.assign(new Error('denied'), { name: 'AccessDeniedException' })),
    };
    const statuses = await describeReplicas({
      secretId: 'replicated/token',
      label: 'AWSCURRENT',
      codec: envelopeCodec,
      clock,
      primary: { found: false, missing: 'label' },
      regions: Object.keys(clients),
      clientFor: (region) => clients[region] as SecretsManagerClient,
    });
    expect(statuses[0]).toEqual({
      region: 'eu-west-1',
      versionId: undefined,
      generation: undefined,
      inSync: false,
      behindMs: undefined,
      problem: 'no replica of the secret in this Region',
    });
    expect(statuses[1]).toMatchObject({ region: 'eu-central-1', problem: 'no version labelled AWSCURRENT', inSync: false });
    expect(statuses[2]).toMatchObject({ region: 'ap-south-1', inSync: false, versionId: undefined });
    expect(statuses[2]?.problem).toMatch(/GetSecretValue/);
  });

  it('never reports a negative lag when the primary version is dated after the clock', async () => {
    const [status] = await describeReplicas({
      secretId: 'replicated/token',
      label: 'AWSCURRENT',
      codec: envelopeCodec,
      clock,
      primary: { ...primary, createdAt: clock.now() + 1_000 },
      regions: ['eu-west-1'],
      clientFor: () => clientAnswering({ VersionId: 'v1', SecretString: envelopeOf(1) }),
    });
    expect(status?.behindMs).toBe(0);
  });
});

describe('Function: checkReplicaRegions', () => {
  it('accepts a list of Region names', () => {
    expect(checkReplicaRegions(['eu-west-1', 'ap-southeast-2'], 'replicated/token')).toEqual(['eu-west-1', 'ap-southeast-2']);
  });

  it.each([[[]], ['eu-west-1'], [['eu-west-1', 'Europe']], [[7]]])('refuses %j', (regions) => {
    expect(() => checkReplicaRegions(regions, 'replicated/token')).toThrow(ConfigurationError);
    expect(() => checkReplicaRegions(regions, 'replicated/token')).toThrow(
      `Option "replicaRegions" must list AWS Regions such as ["eu-west-1"]; got ${JSON.stringify(regions)}.`,
    );
  });

  it('refuses an ARN, which names one Region', () => {
    expect(() => checkReplicaRegions(['eu-west-1'], 'arn:aws:secretsmanager:us-east-1:123456789012:secret:t-AbCdEf')).toThrow(
      /must be the secret's name with "replicaRegions"/,
    );
  });
});
