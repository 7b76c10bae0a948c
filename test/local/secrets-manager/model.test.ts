import { describe, expect, it } from 'vitest';
import {
  createDispatcher,
  EmulatorConfigurationError,
  OffsetClock,
  SecretsManagerModel,
  SecretsManagerServiceError,
  type StateChange,
} from '../../../src/local/secrets-manager/index.js';
import { ManualClock } from '../../support/manual-clock.js';

// The transport-free model, as the fleet simulation drives it: in-process, under virtual time.

const HOUR_MS = 3_600_000;
const token = (label: string): string => `${label}-${'0'.repeat(32)}`.slice(0, 64);

function virtualModel(): { model: SecretsManagerModel; setNow(ms: number): void } {
  const time = new ManualClock(Date.UTC(2026, 5, 1));
  const model = new SecretsManagerModel({ clock: new OffsetClock(() => time.now()), randomSuffix: () => 'AbC123' });
  return { model, setNow: (ms) => time.advance(ms - time.now()) };
}

describe('Class: SecretsManagerModel', () => {
  it('stamps versions with the injected clock and applies the 24-hour rule to virtual time', () => {
    const { model, setNow } = virtualModel();
    const start = model.clock.now();
    const small = new SecretsManagerModel({ clock: model.clock, maxVersionsPerSecret: 2 });
    small.createSecret({ Name: 's', SecretString: 'v1', ClientRequestToken: token('v1') });
    small.putSecretValue({ SecretId: 's', SecretString: 'v2', ClientRequestToken: token('v2'), VersionStages: ['AWSPENDING'] });
    small.updateSecretVersionStage({ SecretId: 's', VersionStage: 'AWSPENDING', RemoveFromVersionId: token('v2') });
    expect(() => small.putSecretValue({ SecretId: 's', SecretString: 'v3', ClientRequestToken: token('v3') })).toThrow(SecretsManagerServiceError);
    setNow(start + 24 * HOUR_MS);
    small.putSecretValue({ SecretId: 's', SecretString: 'v3', ClientRequestToken: token('v3') });
    expect(small.getSecretValue({ SecretId: 's' }).CreatedDate?.getTime()).toBe(start + 24 * HOUR_MS);
  });

  it('throws typed service errors carrying the AWS code and HTTP status', () => {
    const { model } = virtualModel();
    try {
      model.getSecretValue({ SecretId: 'missing' });
      expect.unreachable('the read should fail');
    } catch (error) {
      expect(error).toBeInstanceOf(SecretsManagerServiceError);
      expect(error).toMatchObject({ type: 'ResourceNotFoundException', statusCode: 400, name: 'ResourceNotFoundException' });
    }
  });

  it('reports each operation’s changes once, and rebuilds the same state from them', () => {
    const batches: (readonly StateChange[])[] = [];
    const time = new ManualClock(Date.UTC(2026, 5, 1));
    const clock = new OffsetClock(() => time.now());
    const model = new SecretsManagerModel({ clock, onChanges: (changes) => batches.push(changes) });
    model.createSecret({ Name: 's', SecretString: 'v1', ClientRequestToken: token('v1'), Tags: [{ Key: 'k', Value: 'v' }] });
    model.putSecretValue({ SecretId: 's', SecretString: 'v2', ClientRequestToken: token('v2') });
    model.putSecretValue({ SecretId: 's', SecretString: 'v2', ClientRequestToken: token('v2') }); // replay: no change
    time.advance(1000);
    model.getSecretValue({ SecretId: 's' }); // first read of the day: records the access day
    model.getSecretValue({ SecretId: 's' }); // same day: nothing to record
    model.deleteSecret({ SecretId: 's', RecoveryWindowInDays: 7 });
    expect(batches).toHaveLength(4);
    const rebuilt = new SecretsManagerModel({ clock: new OffsetClock(() => time.now()) });
    rebuilt.restore(batches.flat());
    expect([...rebuilt.snapshot()]).toEqual([...model.snapshot()]);
    expect(rebuilt.describeSecret({ SecretId: 's' })).toEqual(model.describeSecret({ SecretId: 's' }));
  });

  it('serves the wire through createDispatcher without any socket', () => {
    const { model } = virtualModel();
    const handle = createDispatcher(model);
    const created = handle('secretsmanager.CreateSecret', JSON.stringify({ Name: 'n', SecretString: 'v', ClientRequestToken: token('c') }));
    expect(JSON.parse(created.body)).toEqual({
      ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:n-AbC123',
      Name: 'n',
      VersionId: token('c'),
    });
  });

  it('refuses invalid options naming the option', () => {
    expect(() => new SecretsManagerModel({ region: 'US East' })).toThrow(EmulatorConfigurationError);
    expect(() => new SecretsManagerModel({ maxLabelsPerSecret: 0.5 })).toThrow(/maxLabelsPerSecret/);
    expect(() => new SecretsManagerModel({ deprecatedVersionMinAgeMs: -1 })).toThrow(/deprecatedVersionMinAgeMs/);
  });

  it('refuses to move the clock backward', () => {
    const { model } = virtualModel();
    expect(() => model.advanceClock(-1)).toThrow(RangeError);
  });
});
