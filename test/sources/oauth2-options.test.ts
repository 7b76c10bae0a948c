import { describe, expect, it } from 'vitest';
import { resolveOAuthOptions, type OAuth2ClientCredentialsOptions } from '../../src/sources/oauth2-options.js';
import { ConfigurationError } from '../../src/shared/errors.js';

const VALID = { tokenUrl: 'https://idp.example.com/oauth2/token', clientId: 'worker', clientSecret: 'secret' };

function rejection(options: unknown): ConfigurationError {
  try {
    resolveOAuthOptions(options as OAuth2ClientCredentialsOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError');
}

describe('Function: resolveOAuthOptions', () => {
  it('fills in the documented defaults', () => {
    const resolved = resolveOAuthOptions(VALID);

    expect(resolved).toMatchObject({
      authMethod: 'client_secret_basic',
      attemptTimeoutMs: 10_000,
      retries: 3,
      minDelayMs: 250,
      maxDelayMs: 5_000,
      maxElapsedMs: 30_000,
      scope: undefined,
      resources: [],
      defaultLifetimeMs: undefined,
      clientSecret: { kind: 'static', value: 'secret' },
    });
  });

  it('accepts http only for loopback hosts', () => {
    for (const url of ['http://127.0.0.1:8080/token', 'http://localhost/token', 'http://[::1]:9/token', 'http://127.1.2.3/t']) {
      expect(resolveOAuthOptions({ ...VALID, tokenUrl: url }).tokenUrl.href).toBe(new URL(url).href);
    }
    expect(rejection({ ...VALID, tokenUrl: 'http://idp.example.com/token' }).message).toMatch(
      /tokenUrl must use https: .*got http:\/\/idp\.example\.com\/token/,
    );
    expect(rejection({ ...VALID, tokenUrl: 'http://127.0.0.1.nip.io/token' }).message).toMatch(/must use https/);
  });

  it('rejects a tokenUrl that is not an absolute URL, has a fragment, or carries credentials it must not echo', () => {
    expect(rejection({ ...VALID, tokenUrl: '/oauth2/token' }).message).toMatch(/tokenUrl must be an absolute URL/);
    expect(rejection({ ...VALID, tokenUrl: 'https://idp.example.com/token#x' }).message).toMatch(/#fragment/);
    const withCredentials = rejection({ ...VALID, tokenUrl: 'https://user:hunter2@idp.example.com/token' });
    expect(withCredentials.message).toMatch(/must not contain credentials/);
    expect(withCredentials.message).not.toContain('hunter2');
    expect(rejection({ ...VALID, tokenUrl: 42 }).message).toMatch(/tokenUrl must be the token endpoint's URL/);
  });

  it('requires exactly one of clientSecret and clientSecretId', () => {
    const { clientSecret: _omitted, ...noSecret } = VALID;
    expect(rejection(noSecret).message).toMatch(/pass clientSecret, or clientSecretId/);
    expect(rejection({ ...VALID, clientSecretId: 'prod/oauth' }).message).toMatch(/either clientSecret or clientSecretId, not both/);
    expect(rejection({ ...VALID, clientSecret: '' }).message).toMatch(/clientSecret must be a non-empty string/);
    expect(rejection({ ...VALID, clientSecretJsonKey: 'secret' }).message).toMatch(/clientSecretJsonKey applies only with clientSecretId/);
  });

  it('resolves a stored client secret with VersionStage AWSCURRENT by default', () => {
    const { clientSecret: _omitted, ...base } = VALID;
    expect(resolveOAuthOptions({ ...base, clientSecretId: 'prod/oauth' }).clientSecret).toEqual({
      kind: 'stored',
      secretId: 'prod/oauth',
      versionStage: 'AWSCURRENT',
      jsonKey: undefined,
      secretsManager: undefined,
    });
    expect(rejection({ ...base, clientSecretId: 'prod/oauth', secretsManager: {} }).message).toMatch(/secretsManager must be a SecretsManagerClient/);
  });

  it('joins scopes and rejects characters RFC 6749 §3.3 forbids', () => {
    expect(resolveOAuthOptions({ ...VALID, scope: ['a', 'b:c'] }).scope).toBe('a b:c');
    expect(resolveOAuthOptions({ ...VALID, scope: ' a  b ' }).scope).toBe('a b');
    expect(rejection({ ...VALID, scope: ['a b'] }).message).toMatch(/scope "a b" is not a valid scope token/);
    expect(rejection({ ...VALID, scope: ['say"hi'] }).message).toMatch(/not a valid scope token/);
    expect(rejection({ ...VALID, scope: [] }).message).toMatch(/scope is empty/);
  });

  it('requires resources to be absolute URIs without a fragment', () => {
    expect(resolveOAuthOptions({ ...VALID, resource: ['https://a.example/', 'urn:example:b'] }).resources).toEqual([
      'https://a.example/',
      'urn:example:b',
    ]);
    expect(rejection({ ...VALID, resource: 'api' }).message).toMatch(/resource "api" must be an absolute URI/);
    expect(rejection({ ...VALID, resource: 'https://a.example/#x' }).message).toMatch(/without a #fragment/);
  });

  it('rejects an unknown authMethod, naming the accepted ones', () => {
    expect(rejection({ ...VALID, authMethod: 'private_key_jwt' }).message).toMatch(
      /authMethod must be one of client_secret_basic, client_secret_post; got "private_key_jwt"/,
    );
  });

  it('rejects out-of-range numbers with the option name', () => {
    expect(rejection({ ...VALID, defaultLifetimeMs: 0 }).message).toMatch(/defaultLifetimeMs must be a positive number/);
    expect(rejection({ ...VALID, attemptTimeoutMs: Number.NaN }).message).toMatch(/attemptTimeoutMs must be a positive number/);
    expect(rejection({ ...VALID, retry: { retries: 1.5 } }).message).toMatch(/retry.retries must be an integer from 0 to 20/);
    expect(rejection({ ...VALID, retry: { minDelayMs: -1 } }).message).toMatch(/retry.minDelayMs must be a number of milliseconds/);
    expect(rejection({ ...VALID, retry: { minDelayMs: 500, maxDelayMs: 100 } }).message).toMatch(
      /retry.maxDelayMs \(100\) must be at least retry.minDelayMs \(500\)/,
    );
    expect(rejection({ ...VALID, retry: { maxElapsedMs: Infinity } }).message).toMatch(/retry.maxElapsedMs must be a positive number/);
  });

  it('names an unknown option, so a typo fails instead of being ignored', () => {
    expect(rejection({ ...VALID, client_secret: 'x' }).message).toMatch(/unknown option client_secret; accepted: tokenUrl, clientId/);
    expect(rejection({ ...VALID, retry: { attempts: 3 } }).message).toMatch(/unknown option retry.attempts/);
  });

  it('rejects a clock, random or fetch of the wrong shape', () => {
    expect(rejection({ ...VALID, clock: { now: () => 0 } }).message).toMatch(/clock must implement now, monotonic, sleep, schedule/);
    expect(rejection({ ...VALID, clock: 5 }).message).toMatch(/clock must be an object/);
    expect(rejection({ ...VALID, random: 4 }).message).toMatch(/random must be a function/);
    expect(rejection({ ...VALID, fetch: 'fetch' }).message).toMatch(/fetch must be a function/);
  });

  it('rejects a missing options object with what to pass', () => {
    expect(rejection(undefined).message).toMatch(/pass an options object with tokenUrl, clientId and clientSecret/);
  });
});
