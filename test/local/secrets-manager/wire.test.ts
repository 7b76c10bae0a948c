import { describe, expect, it } from 'vitest';
import { dispatch, OffsetClock, SecretsManagerModel, type WireResponse } from '../../../src/local/secrets-manager/index.js';

// The HTTP-free wire layer: awsJson1_1 parsing, validation and error shapes (SM-WIRE-*, SM-VAL-*).

const TOKEN = 'a'.repeat(32);

function fresh(): SecretsManagerModel {
  return new SecretsManagerModel({ clock: new OffsetClock(() => Date.UTC(2026, 0, 1, 12, 30)) });
}

function call(
  model: SecretsManagerModel,
  operation: string,
  input: unknown,
): { status: number; body: Record<string, unknown>; response: WireResponse } {
  const response = dispatch(model, `secretsmanager.${operation}`, typeof input === 'string' ? input : JSON.stringify(input));
  return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown>, response };
}

describe('Function: dispatch', () => {
  it('answers errors as HTTP 400 with __type and Message, and the same code in x-amzn-errortype (SM-WIRE-7, SM-WIRE-8)', () => {
    const { status, body, response } = call(fresh(), 'GetSecretValue', { SecretId: 'missing' });
    expect(status).toBe(400);
    expect(body).toEqual({ __type: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." });
    expect(response.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    expect(response.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(response.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/); // SM-WIRE-12
  });

  it('asks for a ClientRequestToken before looking the secret up (checklist 13: SM-WIRE-10)', () => {
    for (const operation of ['PutSecretValue', 'CreateSecret', 'UpdateSecret']) {
      const input = operation === 'CreateSecret' ? { Name: 'new', SecretString: 'v' } : { SecretId: 'does-not-exist', SecretString: 'v' };
      expect(call(fresh(), operation, input).body).toEqual({
        __type: 'InvalidRequestException',
        Message: 'You must provide a ClientRequestToken value. We recommend a UUID-type value.',
      });
    }
  });

  it('answers success with epoch-second number timestamps and omits absent members (SM-WIRE-5, SM-WIRE-6)', () => {
    const model = fresh();
    call(model, 'CreateSecret', { Name: 'n', SecretString: 'v', ClientRequestToken: TOKEN });
    const { status, body } = call(model, 'DescribeSecret', { SecretId: 'n' });
    expect(status).toBe(200);
    expect(body['CreatedDate']).toBe(Date.UTC(2026, 0, 1, 12, 30) / 1000);
    expect(body).not.toHaveProperty('Description');
    expect(body).not.toHaveProperty('DeletedDate');
    expect(call(model, 'TagResource', { SecretId: 'n', Tags: [] }).response.body).toBe('{}');
  });

  it('answers an unknown or missing target with UnknownOperationException (SM-WIRE-15)', () => {
    for (const target of ['secretsmanager.DoSomething', 'dynamodb_20120810.GetItem', 'secretsmanager.constructor', undefined]) {
      const response = dispatch(fresh(), target, '{}');
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body)).toMatchObject({ __type: 'UnknownOperationException' });
    }
  });

  it('answers a body that is not a JSON object with SerializationException (SM-WIRE-15)', () => {
    for (const body of ['{"SecretId":', 'not json', '[]', '42', 'null']) {
      const { status, body: answer } = call(fresh(), 'GetSecretValue', body);
      expect(status).toBe(400);
      expect(answer['__type']).toBe('SerializationException');
    }
  });

  it('treats an empty body as an empty input, so required members are reported missing (SM-VAL-2)', () => {
    expect(call(fresh(), 'GetSecretValue', '').body).toEqual({
      __type: 'ValidationException',
      Message: "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null",
    });
  });

  it('answers members of the wrong JSON type with SerializationException naming the member', () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['GetSecretValue', { SecretId: 5 }, 'secretId'],
      ['ListSecretVersionIds', { SecretId: 's', IncludeDeprecated: 'yes' }, 'includeDeprecated'],
      ['ListSecretVersionIds', { SecretId: 's', MaxResults: 1.5 }, 'maxResults'],
      ['PutSecretValue', { SecretId: 's', VersionStages: 'AWSCURRENT' }, 'versionStages'],
      ['PutSecretValue', { SecretId: 's', SecretBinary: 'not base64!' }, 'secretBinary'],
      ['TagResource', { SecretId: 's', Tags: [{ Key: 1, Value: 'v' }] }, 'tags.1.member.key'],
    ];
    for (const [operation, input, path] of cases) {
      const { body } = call(fresh(), operation, input);
      expect(body['__type']).toBe('SerializationException');
      expect(body['Message']).toContain(`'${path}'`);
    }
  });

  it('reports every constraint violation in one Coral-format ValidationException (SM-WIRE-14, SM-VAL-1)', () => {
    const { body } = call(fresh(), 'GetSecretValue', { SecretId: 's', VersionId: 'AWSCURRENT', VersionStage: '' });
    expect(body).toEqual({
      __type: 'ValidationException',
      Message:
        "2 validation errors detected: Value 'AWSCURRENT' at 'versionId' failed to satisfy constraint: Member must have length greater than or equal to 32; " +
        "Value '' at 'versionStage' failed to satisfy constraint: Member must have length greater than or equal to 1",
    });
    expect(call(fresh(), 'ListSecretVersionIds', { SecretId: 's', MaxResults: 101 }).body['Message']).toBe(
      "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100",
    );
    expect(call(fresh(), 'ListSecrets', { SortOrder: 'up' }).body['Message']).toBe(
      "1 validation error detected: Value 'up' at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: [asc, desc]",
    );
  });

  it('accepts a 65,536-byte value and refuses one byte more without echoing it (SM-QUOTA-6, SM-WIRE-14)', () => {
    const model = fresh();
    call(model, 'CreateSecret', { Name: 'big' });
    const fits = call(model, 'PutSecretValue', { SecretId: 'big', ClientRequestToken: TOKEN, SecretString: 'x'.repeat(65_536) });
    expect(fits.status).toBe(200);
    const tooBig = call(model, 'PutSecretValue', { SecretId: 'big', ClientRequestToken: 'b'.repeat(32), SecretString: `${'é'.repeat(32_768)}x` });
    expect(tooBig.body).toEqual({
      __type: 'ValidationException',
      Message:
        "1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536",
    });
    const binary = call(model, 'PutSecretValue', {
      SecretId: 'big',
      ClientRequestToken: 'c'.repeat(32),
      SecretBinary: Buffer.alloc(65_537, 7).toString('base64'),
    });
    expect(binary.body['Message']).toBe(
      "1 validation error detected: Value at 'secretBinary' failed to satisfy constraint: Member must have length less than or equal to 65536",
    );
  });

  it('ignores members it does not know (SM-WIRE-3)', () => {
    const model = fresh();
    const created = call(model, 'CreateSecret', { Name: 'n', SecretString: 'v', ClientRequestToken: TOKEN, FutureMember: { nested: true } });
    expect(created.status).toBe(200);
  });

  it('never puts a secret value into an error message', () => {
    const model = fresh();
    const secretValue = 'sk_live_do_not_leak_0123456789';
    call(model, 'CreateSecret', { Name: 'n', SecretString: secretValue, ClientRequestToken: TOKEN });
    const answers = [
      call(model, 'PutSecretValue', { SecretId: 'n', SecretString: `${secretValue}-changed`, ClientRequestToken: TOKEN }),
      call(model, 'PutSecretValue', { SecretId: 'n', SecretString: secretValue.repeat(3000) }),
      call(model, 'CreateSecret', { Name: 'n', SecretString: `${secretValue}!`, ClientRequestToken: TOKEN }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(answer.response.body).not.toContain(secretValue);
    }
  });
});
