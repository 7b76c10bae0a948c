import { CreateSecretCommand, type Filter, ListSecretsCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { words } from '../../../src/local/secrets-manager/filters.js';
import { startEmulatorUnderTest, uniqueName, type EmulatorUnderTest } from '../../support/secrets-manager.js';

// ListSecrets Filters as AWS documents them (docs/secrets-manager-replication.md, "ListSecrets
// filters"). Every case runs against one set of secrets under a unique prefix, and every query
// is scoped to that prefix by a `name` filter, so the cases also prove that filters AND together.

let sm: EmulatorUnderTest;
let client: SecretsManagerClient;
let prefix: string;

const SECRETS: { suffix: string; description?: string; tags?: { Key: string; Value: string }[] }[] = [
  { suffix: 'DatabaseSecret', description: 'My Description', tags: [{ Key: 'env', Value: 'prod' }] },
  { suffix: 'databaseSecret', description: 'my basic description', tags: [{ Key: 'env', Value: 'dev' }] },
  { suffix: 'MyData', description: 'Description of my secret', tags: [{ Key: 'Env', Value: 'PROD' }] },
  { suffix: 'app-creds', description: 'Describe mine' },
  { suffix: 'a_b+c=d.e@f-g', tags: [{ Key: 'team/owner', Value: 'blue green' }] },
];

beforeAll(async () => {
  sm = await startEmulatorUnderTest();
  client = sm.client();
  prefix = `${uniqueName('filters')}/`;
  for (const secret of SECRETS) {
    await client.send(
      new CreateSecretCommand({
        Name: prefix + secret.suffix,
        ...(secret.description === undefined ? {} : { Description: secret.description }),
        ...(secret.tags === undefined ? {} : { Tags: secret.tags }),
      }),
    );
  }
});
afterAll(() => sm.close());

/** The suffixes of the secrets under the prefix that pass `filters`, in creation order. */
async function matching(...filters: Filter[]): Promise<string[]> {
  const answer = await client.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [prefix] }, ...filters] }));
  return (answer.SecretList ?? []).map((entry) => (entry.Name ?? '').slice(prefix.length));
}

describe('ListSecrets filters', () => {
  it('matches name as a case-sensitive prefix', async () => {
    expect(await matching({ Key: 'name', Values: [`${prefix}Data`] })).toEqual(['DatabaseSecret']);
    expect(await matching({ Key: 'name', Values: [`${prefix}data`] })).toEqual(['databaseSecret']);
    expect(await matching({ Key: 'name', Values: [`${prefix}Secret`] })).toEqual([]);
  });

  it('ORs the values of one filter and ANDs separate filters', async () => {
    expect(await matching({ Key: 'name', Values: [`${prefix}Data`, `${prefix}My`] })).toEqual(['DatabaseSecret', 'MyData']);
    expect(await matching({ Key: 'tag-key', Values: ['env'] }, { Key: 'tag-value', Values: ['dev'] })).toEqual(['databaseSecret']);
  });

  it('applies each of several filters with the same key', async () => {
    expect(await matching({ Key: 'name', Values: [`${prefix}d`, `${prefix}D`] }, { Key: 'name', Values: [`!${prefix}data`] })).toEqual([
      'DatabaseSecret',
    ]);
  });

  it('negates a value with a leading !, alone or beside positive values', async () => {
    expect(await matching({ Key: 'tag-value', Values: ['!prod'] })).toEqual(['databaseSecret', 'MyData', 'app-creds', 'a_b+c=d.e@f-g']);
    expect(await matching({ Key: 'tag-key', Values: ['env', 'Env', '!Env'] })).toEqual(['DatabaseSecret', 'databaseSecret']);
  });

  it('matches tag keys and tag values as case-sensitive prefixes, spaces and / included', async () => {
    expect(await matching({ Key: 'tag-key', Values: ['Env'] })).toEqual(['MyData']);
    expect(await matching({ Key: 'tag-value', Values: ['PRO'] })).toEqual(['MyData']);
    expect(await matching({ Key: 'tag-key', Values: ['team/'] })).toEqual(['a_b+c=d.e@f-g']);
    expect(await matching({ Key: 'tag-value', Values: ['blue gr'] })).toEqual(['a_b+c=d.e@f-g']);
    expect(await matching({ Key: 'tag-value', Values: ['green'] })).toEqual([]);
  });

  it('takes / _ + = . @ - in a name literally', async () => {
    expect(await matching({ Key: 'name', Values: [`${prefix}a_b+c=d.e@f-`] })).toEqual(['a_b+c=d.e@f-g']);
    expect(await matching({ Key: 'name', Values: [`${prefix}a_b+c=d.x`] })).toEqual([]);
  });

  it('matches description by words, case-insensitively, each word a prefix of one of its words', async () => {
    expect(await matching({ Key: 'description', Values: ['My Description'] })).toEqual(['DatabaseSecret', 'databaseSecret', 'MyData']);
    expect(await matching({ Key: 'description', Values: ['DESCRIPTION OF'] })).toEqual(['MyData']);
    expect(await matching({ Key: 'description', Values: ['desc'] })).toEqual(['DatabaseSecret', 'databaseSecret', 'MyData', 'app-creds']);
    expect(await matching({ Key: 'description', Values: ['!my'] })).toEqual(['app-creds', 'a_b+c=d.e@f-g']);
  });

  it('matches all by any word of the value against the words of name, description and tags, case-insensitively', async () => {
    expect(await matching({ Key: 'all', Values: ['CREDS'] })).toEqual(['app-creds']);
    expect(await matching({ Key: 'all', Values: ['credsGreen'] })).toEqual(['app-creds', 'a_b+c=d.e@f-g']);
    expect(await matching({ Key: 'all', Values: ['prod'] })).toEqual(['DatabaseSecret', 'MyData']);
    expect(await matching({ Key: 'all', Values: ['!prod'] })).toEqual(['databaseSecret', 'app-creds', 'a_b+c=d.e@f-g']);
  });

  it('matches owning-service against nothing, since no emulated secret is managed by a service', async () => {
    expect(await matching({ Key: 'owning-service', Values: ['rds'] })).toEqual([]);
    expect(await matching({ Key: 'owning-service', Values: ['!rds'] })).toHaveLength(SECRETS.length);
  });
});

describe('ListSecrets filter validation', () => {
  it('refuses a value outside AWS’s pattern for filter values with a ValidationException', async () => {
    const refused = await client.send(new ListSecretsCommand({ Filters: [{ Key: 'all', Values: ['creds#892'] }] })).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(refused?.name).toBe('ValidationException');
    expect(refused?.message).toContain('Member must satisfy regular expression pattern');
  });
});

describe('Function: words', () => {
  it('splits where AWS’s search does: punctuation, lower-to-upper case and letters-to-digits', () => {
    expect(words('credsDatabase#892')).toEqual(['creds', 'database', '892']);
    expect(words('My_Secret')).toEqual(['my', 'secret']);
    expect(words('app/db-2+x=y.z@w')).toEqual(['app', 'db', '2', 'x', 'y', 'z', 'w']);
  });
});
