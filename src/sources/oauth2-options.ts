import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { systemClock, type Clock } from '../shared/clock.js';
import { ConfigurationError } from '../shared/errors.js';

/**
 * How the client authenticates at the token endpoint (RFC 6749 §2.3.1): an `Authorization: Basic`
 * header, or `client_id` and `client_secret` form fields.
 *
 * @example
 * ```ts
 * const authMethod: ClientAuthMethod = 'client_secret_post';
 * ```
 */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post';

/**
 * Bounds on retrying transient failures (5xx, 429, timeouts, network errors).
 *
 * @example
 * ```ts
 * const retry: OAuthRetryOptions = { retries: 5, maxElapsedMs: 20_000 };
 * ```
 */
export interface OAuthRetryOptions {
  /** Retries after the first attempt. Default 3. */
  retries?: number;
  /** Cap of the first backoff; backoff doubles per retry and each delay is drawn from [0, cap). Default 250. */
  minDelayMs?: number;
  /** Largest backoff cap. Default 5 000. */
  maxDelayMs?: number;
  /**
   * Wall time allowed for the whole call, attempts and waits included. A `Retry-After` that would
   * end past it fails the call at once rather than waiting. Default 30 000.
   */
  maxElapsedMs?: number;
}

/**
 * What every OAuth source of this package takes: where the token endpoint is, who the client is,
 * and how long to wait and retry.
 *
 * @example
 * ```ts
 * const common: OAuthClientOptions = { tokenUrl: 'https://idp.example.com/oauth2/token', clientId: 'worker', attemptTimeoutMs: 5_000 };
 * ```
 */
export interface OAuthClientOptions {
  /** The token endpoint. `https:` is required, except for loopback hosts (127.0.0.1, ::1, localhost). */
  tokenUrl: string | URL;
  clientId: string;
  /** Scopes to request: an array, or one space-separated string. Omitted: the server's default. */
  scope?: string | readonly string[];
  /** Default `'client_secret_basic'`. */
  authMethod?: ClientAuthMethod;
  /**
   * Lifetime to assume when a token response has no `expires_in` (RFC 6749 makes it optional).
   * Without it such a response is rejected: guessing a lifetime could serve an expired token.
   */
  defaultLifetimeMs?: number;
  /** Longest wait for one response, body included. Default 10 000. */
  attemptTimeoutMs?: number;
  retry?: OAuthRetryOptions;
  /** Time source for expiry, backoff and timeouts. Default {@link systemClock}. */
  clock?: Clock;
  /** Uniform random numbers in [0, 1) for backoff jitter. Default `Math.random`. */
  random?: () => number;
  /** The fetch implementation. Default the global `fetch`. */
  fetch?: typeof globalThis.fetch;
}

/**
 * The client secret given directly.
 *
 * @example
 * ```ts
 * const secret: ClientSecretValue = { clientSecret: process.env.CLIENT_SECRET! };
 * ```
 */
export interface ClientSecretValue {
  clientSecret: string;
  clientSecretId?: undefined;
}

/**
 * The client secret read from another Secrets Manager secret — once, then cached, and read again
 * after the token endpoint answers `invalid_client` (the secret may have been rotated).
 *
 * @example
 * ```ts
 * const secret: ClientSecretReference = { clientSecretId: 'prod/worker/oauth-client', clientSecretJsonKey: 'client_secret' };
 * ```
 */
export interface ClientSecretReference {
  clientSecret?: undefined;
  /** Name or ARN of the secret that holds the client secret. */
  clientSecretId: string;
  /** The label to read; always sent, so IAM `secretsmanager:VersionStage` conditions apply. Default `'AWSCURRENT'`. */
  clientSecretVersionStage?: string;
  /** When the secret is a JSON object, the key whose string value is the client secret. Default: the whole SecretString. */
  clientSecretJsonKey?: string;
  /** Default: a client configured from the environment, created on first use. */
  secretsManager?: SecretsManagerClient;
}

/** Parameters only the client credentials grant sends. */
interface ClientCredentialsParameters {
  /** The non-standard `audience` parameter that Auth0, Okta and others use to pick the API. */
  audience?: string;
  /** RFC 8707 resource indicators: absolute URIs without a fragment. */
  resource?: string | readonly string[];
}

/**
 * Options of `oauth2ClientCredentials` with the client secret given directly.
 *
 * @example
 * ```ts
 * const options: StaticClientSecretOptions = { tokenUrl, clientId: 'worker', clientSecret: process.env.CLIENT_SECRET! };
 * ```
 */
export interface StaticClientSecretOptions extends OAuthClientOptions, ClientCredentialsParameters, ClientSecretValue {}

/**
 * Options of `oauth2ClientCredentials` with the client secret read from Secrets Manager (see
 * {@link ClientSecretReference}).
 *
 * @example
 * ```ts
 * const options: StoredClientSecretOptions = {
 *   tokenUrl,
 *   clientId: 'worker',
 *   clientSecretId: 'prod/worker/oauth-client',
 *   clientSecretJsonKey: 'client_secret',
 * };
 * ```
 */
export interface StoredClientSecretOptions extends OAuthClientOptions, ClientCredentialsParameters, ClientSecretReference {}

/**
 * Options of `oauth2ClientCredentials`: the client secret is given either directly or by the id of
 * the Secrets Manager secret that holds it.
 *
 * @example
 * ```ts
 * const options: OAuth2ClientCredentialsOptions = {
 *   tokenUrl: 'https://idp.example.com/oauth2/token',
 *   clientId: 'worker',
 *   clientSecret: 's3cr3t',
 *   scope: ['invoices:read'],
 *   audience: 'https://billing.example.com',
 * };
 * ```
 */
export type OAuth2ClientCredentialsOptions = StaticClientSecretOptions | StoredClientSecretOptions;

/**
 * Options of `oauth2RefreshToken`: the {@link OAuthClientOptions}, the client secret given directly
 * or by the id of the Secrets Manager secret that holds it, and where in the refresh state the
 * refresh token lives.
 *
 * @example
 * ```ts
 * const options: OAuth2RefreshTokenOptions = {
 *   tokenUrl: 'https://idp.example.com/oauth2/token',
 *   clientId: 'reporting',
 *   clientSecretId: 'prod/reporting/oauth-client-secret',
 *   refreshTokenKey: 'refreshToken',
 * };
 * ```
 */
export type OAuth2RefreshTokenOptions = OAuthClientOptions & RefreshTokenParameters & (ClientSecretValue | ClientSecretReference);

/** What only `oauth2RefreshToken` takes. */
export interface RefreshTokenParameters {
  /** The field of the refresh state (`context.state`) that holds the refresh token. Default `'refreshToken'`. */
  refreshTokenKey?: string;
}

export type ClientSecretSpec =
  | { kind: 'static'; value: string }
  | {
      kind: 'stored';
      secretId: string;
      versionStage: string;
      jsonKey: string | undefined;
      secretsManager: SecretsManagerClient | undefined;
    };

/** The options every OAuth source shares, checked and with defaults filled in. */
export interface ResolvedClientOptions {
  tokenUrl: URL;
  clientId: string;
  clientSecret: ClientSecretSpec;
  scope: string | undefined;
  authMethod: ClientAuthMethod;
  defaultLifetimeMs: number | undefined;
  attemptTimeoutMs: number;
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
  maxElapsedMs: number;
  clock: Clock;
  random: () => number;
  fetch: typeof globalThis.fetch;
}

/** `oauth2ClientCredentials`'s options, checked. */
export interface ResolvedOAuthOptions extends ResolvedClientOptions {
  audience: string | undefined;
  resources: readonly string[];
}

/** `oauth2RefreshToken`'s options, checked. */
export interface ResolvedRefreshTokenOptions extends ResolvedClientOptions {
  refreshTokenKey: string;
}

const CLIENT_OPTIONS = [
  'tokenUrl',
  'clientId',
  'clientSecret',
  'clientSecretId',
  'clientSecretVersionStage',
  'clientSecretJsonKey',
  'secretsManager',
  'scope',
  'authMethod',
  'defaultLifetimeMs',
  'attemptTimeoutMs',
  'retry',
  'clock',
  'random',
  'fetch',
] as const;
const KNOWN_RETRY_OPTIONS = new Set(['retries', 'minDelayMs', 'maxDelayMs', 'maxElapsedMs']);
const AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post'];
const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);
/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * Checks every option of `oauth2ClientCredentials` before any request is made and fills in
 * defaults; throws a {@link ConfigurationError} that names the option and says what is accepted.
 */
export function resolveOAuthOptions(options: OAuth2ClientCredentialsOptions): ResolvedOAuthOptions {
  const prefix = 'oauth2ClientCredentials:';
  const client = resolveClientOptions(options, prefix, ['audience', 'resource']);
  return {
    ...client,
    audience: options.audience === undefined ? undefined : nonEmptyString(prefix, options.audience, 'audience'),
    resources: resourcesOf(prefix, options.resource),
  };
}

/**
 * Checks every option of `oauth2RefreshToken` before any request is made and fills in defaults;
 * throws a {@link ConfigurationError} that names the option and says what is accepted.
 */
export function resolveRefreshTokenOptions(options: OAuth2RefreshTokenOptions): ResolvedRefreshTokenOptions {
  const prefix = 'oauth2RefreshToken:';
  const client = resolveClientOptions(options, prefix, ['refreshTokenKey']);
  return { ...client, refreshTokenKey: nonEmptyString(prefix, options.refreshTokenKey ?? 'refreshToken', 'refreshTokenKey') };
}

function resolveClientOptions(
  options: OAuthClientOptions & (ClientSecretValue | ClientSecretReference),
  prefix: string,
  ownOptions: readonly string[],
): ResolvedClientOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError(`${prefix} pass an options object with tokenUrl, clientId and clientSecret.`);
  }
  rejectUnknown(prefix, options, new Set([...CLIENT_OPTIONS, ...ownOptions]), '');
  const retry = options.retry ?? {};
  if (typeof retry !== 'object' || retry === null) {
    throw new ConfigurationError(`${prefix} retry must be an object such as { retries: 3, maxElapsedMs: 30000 }.`);
  }
  rejectUnknown(prefix, retry, KNOWN_RETRY_OPTIONS, 'retry.');

  const minDelayMs = nonNegativeNumber(prefix, retry.minDelayMs, 'retry.minDelayMs', 250);
  const maxDelayMs = nonNegativeNumber(prefix, retry.maxDelayMs, 'retry.maxDelayMs', 5_000);
  if (maxDelayMs < minDelayMs) {
    throw new ConfigurationError(`${prefix} retry.maxDelayMs (${maxDelayMs}) must be at least retry.minDelayMs (${minDelayMs}).`);
  }

  return {
    tokenUrl: tokenUrlOf(prefix, options.tokenUrl),
    clientId: nonEmptyString(prefix, options.clientId, 'clientId'),
    clientSecret: clientSecretOf(prefix, options),
    scope: scopeOf(prefix, options.scope),
    authMethod: authMethodOf(prefix, options.authMethod),
    defaultLifetimeMs: options.defaultLifetimeMs === undefined ? undefined : positiveNumber(prefix, options.defaultLifetimeMs, 'defaultLifetimeMs'),
    attemptTimeoutMs: positiveNumber(prefix, options.attemptTimeoutMs ?? 10_000, 'attemptTimeoutMs'),
    retries: retriesOf(prefix, retry.retries),
    minDelayMs,
    maxDelayMs,
    maxElapsedMs: positiveNumber(prefix, retry.maxElapsedMs ?? 30_000, 'retry.maxElapsedMs'),
    clock: functionsOf(prefix, options.clock ?? systemClock, 'clock', ['now', 'monotonic', 'sleep', 'schedule']),
    random: functionOf(prefix, options.random ?? Math.random, 'random'),
    fetch: functionOf(prefix, options.fetch ?? globalThis.fetch, 'fetch'),
  };
}

function rejectUnknown(prefix: string, object: object, known: ReadonlySet<string>, path: string): void {
  for (const key of Object.keys(object)) {
    if (!known.has(key)) {
      throw new ConfigurationError(`${prefix} unknown option ${path}${key}; accepted: ${[...known].map((k) => path + k).join(', ')}.`);
    }
  }
}

function tokenUrlOf(prefix: string, value: unknown): URL {
  if (!(typeof value === 'string' || value instanceof URL)) {
    throw new ConfigurationError(`${prefix} tokenUrl must be the token endpoint's URL, e.g. https://idp.example.com/oauth2/token.`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw new ConfigurationError(`${prefix} tokenUrl must be an absolute URL, e.g. https://idp.example.com/oauth2/token.`, {
      cause,
    });
  }
  if (url.username !== '' || url.password !== '') {
    // The URL is not echoed: its userinfo may be a secret.
    throw new ConfigurationError(`${prefix} tokenUrl must not contain credentials; pass clientId and clientSecret instead.`);
  }
  const shown = `${url.origin}${url.pathname}`;
  if (url.hash !== '') {
    throw new ConfigurationError(`${prefix} tokenUrl must not have a #fragment (RFC 6749 §3.2), got ${shown}${url.hash}.`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return url;
  throw new ConfigurationError(
    `${prefix} tokenUrl must use https: (http: is accepted only for loopback hosts such as 127.0.0.1 and localhost), got ${shown}.`,
  );
}

function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

function clientSecretOf(prefix: string, options: ClientSecretValue | ClientSecretReference): ClientSecretSpec {
  const stored = options as Partial<ClientSecretReference>;
  const hasStatic = options.clientSecret !== undefined;
  const hasStored = stored.clientSecretId !== undefined;
  if (hasStatic && hasStored) {
    throw new ConfigurationError(`${prefix} pass either clientSecret or clientSecretId, not both.`);
  }
  if (!hasStored) {
    for (const key of ['clientSecretVersionStage', 'clientSecretJsonKey', 'secretsManager'] as const) {
      if (stored[key] !== undefined) {
        throw new ConfigurationError(`${prefix} ${key} applies only with clientSecretId; remove it or pass clientSecretId.`);
      }
    }
  }
  if (hasStatic) {
    if (typeof options.clientSecret !== 'string' || options.clientSecret === '') {
      throw new ConfigurationError(`${prefix} clientSecret must be a non-empty string.`);
    }
    return { kind: 'static', value: options.clientSecret };
  }
  if (!hasStored) {
    throw new ConfigurationError(`${prefix} pass clientSecret, or clientSecretId to read the client secret from Secrets Manager.`);
  }
  const secretsManager = stored.secretsManager;
  if (secretsManager !== undefined && typeof (secretsManager as { send?: unknown }).send !== 'function') {
    throw new ConfigurationError(`${prefix} secretsManager must be a SecretsManagerClient from @aws-sdk/client-secrets-manager.`);
  }
  return {
    kind: 'stored',
    secretId: nonEmptyString(prefix, stored.clientSecretId, 'clientSecretId'),
    versionStage: nonEmptyString(prefix, stored.clientSecretVersionStage ?? 'AWSCURRENT', 'clientSecretVersionStage'),
    jsonKey: stored.clientSecretJsonKey === undefined ? undefined : nonEmptyString(prefix, stored.clientSecretJsonKey, 'clientSecretJsonKey'),
    secretsManager,
  };
}

function scopeOf(prefix: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  let scopes: unknown[];
  if (typeof value === 'string') scopes = value.split(' ').filter((s) => s !== '');
  else if (Array.isArray(value)) scopes = value;
  else throw new ConfigurationError(`${prefix} scope must be a string or an array of strings, e.g. ['read', 'write'].`);
  if (scopes.length === 0) {
    throw new ConfigurationError(`${prefix} scope is empty; omit it to get the server's default scope.`);
  }
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope)) {
      throw new ConfigurationError(
        `${prefix} scope ${JSON.stringify(scope)} is not a valid scope token (RFC 6749 §3.3: printable ASCII without space, " or \\).`,
      );
    }
  }
  return scopes.join(' ');
}

function resourcesOf(prefix: string, value: unknown): readonly string[] {
  if (value === undefined) return [];
  const resources: unknown[] = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [value];
  return resources.map((resource) => {
    if (typeof resource === 'string' && URL.canParse(resource) && new URL(resource).hash === '') return resource;
    throw new ConfigurationError(
      `${prefix} resource ${JSON.stringify(resource)} must be an absolute URI without a #fragment (RFC 8707 §2), e.g. https://api.example.com/.`,
    );
  });
}

function authMethodOf(prefix: string, value: unknown): ClientAuthMethod {
  if (value === undefined) return 'client_secret_basic';
  if (AUTH_METHODS.includes(value as ClientAuthMethod)) return value as ClientAuthMethod;
  throw new ConfigurationError(`${prefix} authMethod must be one of ${AUTH_METHODS.join(', ')}; got ${JSON.stringify(value)}.`);
}

function retriesOf(prefix: string, value: unknown): number {
  if (value === undefined) return 3;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 20) return value;
  throw new ConfigurationError(`${prefix} retry.retries must be an integer from 0 to 20; got ${String(value)}.`);
}

function nonEmptyString(prefix: string, value: unknown, name: string): string {
  if (typeof value === 'string' && value !== '') return value;
  throw new ConfigurationError(`${prefix} ${name} must be a non-empty string.`);
}

function positiveNumber(prefix: string, value: unknown, name: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  throw new ConfigurationError(`${prefix} ${name} must be a positive number of milliseconds; got ${String(value)}.`);
}

function nonNegativeNumber(prefix: string, value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  throw new ConfigurationError(`${prefix} ${name} must be a number of milliseconds, 0 or more; got ${String(value)}.`);
}

function functionOf<T>(prefix: string, value: T, name: string): T {
  if (typeof value === 'function') return value;
  throw new ConfigurationError(`${prefix} ${name} must be a function.`);
}

function functionsOf<T extends object>(prefix: string, value: T, name: string, methods: readonly string[]): T {
  if (typeof value !== 'object' || value === null) {
    throw new ConfigurationError(`${prefix} ${name} must be an object implementing ${methods.join(', ')} (see Clock).`);
  }
  for (const method of methods) {
    if (typeof (value as Record<string, unknown>)[method] !== 'function') {
      throw new ConfigurationError(`${prefix} ${name} must implement ${methods.join(', ')} (see Clock); ${method} is missing.`);
    }
  }
  return value;
}
