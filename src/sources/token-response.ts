import { OAuthError } from './errors.js';
import type { SourcedToken } from './types.js';

/** A token endpoint's answer, read in full. */
export interface TokenEndpointResponse {
  status: number;
  body: string;
  /** Milliseconds the server asked clients to wait, parsed from `Retry-After`. */
  retryAfterMs: number | undefined;
}

/** A successful token response: the access token and, when the server sent one, a refresh token. */
export interface TokenEndpointResult extends SourcedToken {
  /** The response's `refresh_token`; a server that rotates refresh tokens sends a new one each time. */
  refreshToken: string | undefined;
}

export interface InterpretOptions {
  /** `origin + path` of the endpoint, for messages. */
  endpoint: string;
  /** The `grant_type` requested, for advice on refusals. */
  grantType: string;
  /** Epoch ms at which the request was sent: `expires_in` counts from there, never from later. */
  requestedAt: number;
  defaultLifetimeMs: number | undefined;
  /** Strings that must never appear in an error (the client secret), removed from server text. */
  redact: readonly string[];
}

/** RFC 6749 §5.2 errors that a retry cannot fix: the request or the client must change. */
function hintFor(code: string, grantType: string): string | undefined {
  switch (code) {
    case 'invalid_request':
      return 'the server rejected the request format; check scope, audience and resource';
    case 'invalid_client':
      return 'check clientId, the client secret and authMethod (the server may expect the other of client_secret_basic and client_secret_post)';
    case 'invalid_grant':
      return grantType === 'refresh_token'
        ? 'the server refused the refresh token: it was revoked, expired, already used, or issued to another client'
        : `the server refused the ${grantType.replace(/_/g, ' ')} grant for this client`;
    case 'unauthorized_client':
      return `the client is not allowed the ${grantType} grant; enable it for this client at the identity provider`;
    case 'unsupported_grant_type':
      return `the server does not support the ${grantType} grant`;
    case 'invalid_scope':
      return 'check scope: the client may not request one of the scopes, or a scope is unknown';
    case 'invalid_target':
      return 'check resource: the server does not accept this resource indicator (RFC 8707)';
    default:
      return undefined;
  }
}

/** Errors some servers send with a 4xx or 2xx status that still mean "try again later". */
const TRANSIENT_CODES = new Set(['temporarily_unavailable', 'server_error']);
const MAX_DESCRIPTION_LENGTH = 200;

/**
 * Turns a token endpoint response into a token, or into an {@link OAuthError} saying what went
 * wrong and whether a retry may help. Never puts the response body into an error: a malformed
 * success response may still contain the access token.
 */
export function interpretTokenResponse(response: TokenEndpointResponse, options: InterpretOptions): TokenEndpointResult {
  if (response.status >= 200 && response.status < 300) return parseSuccess(response, options);
  throw errorFromFailure(response, options);
}

function parseSuccess(response: TokenEndpointResponse, options: InterpretOptions): TokenEndpointResult {
  const malformed = (what: string): OAuthError =>
    new OAuthError(`Token endpoint ${options.endpoint} answered HTTP ${response.status} but ${what}.`, {
      status: response.status,
      retryable: false,
    });

  const body = parseJsonObject(response.body);
  if (body === undefined) throw malformed('the body is not a JSON object (RFC 6749 §5.1 requires application/json)');
  const token = body['access_token'];
  if (typeof token !== 'string' || token === '') throw malformed('the response has no access_token');

  const refreshToken = body['refresh_token'];
  // Absent (or null) means "keep the one you have" (RFC 6749 §6); anything else must be a token.
  if (refreshToken !== undefined && refreshToken !== null && (typeof refreshToken !== 'string' || refreshToken === '')) {
    throw malformed('its refresh_token is not a non-empty string');
  }

  const lifetimeMs = lifetimeOf(body['expires_in'], options.defaultLifetimeMs, malformed);
  return { token, expiresAt: new Date(options.requestedAt + lifetimeMs), refreshToken: refreshToken ?? undefined };
}

function lifetimeOf(expiresIn: unknown, defaultLifetimeMs: number | undefined, malformed: (what: string) => OAuthError): number {
  if (expiresIn === undefined || expiresIn === null) {
    if (defaultLifetimeMs !== undefined) return defaultLifetimeMs;
    throw malformed('the response has no expires_in; set defaultLifetimeMs to the lifetime your identity provider issues');
  }
  // Some providers send the number as a string ("3600"); anything else is not a lifetime.
  const seconds = typeof expiresIn === 'string' && /^\d+(\.\d+)?$/.test(expiresIn) ? Number(expiresIn) : expiresIn;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw malformed(`expires_in is ${describe(expiresIn)}, expected a positive number of seconds`);
  }
  return seconds * 1000;
}

function errorFromFailure(response: TokenEndpointResponse, options: InterpretOptions): OAuthError {
  const body = parseJsonObject(response.body);
  const code = typeof body?.['error'] === 'string' && /^[\x20-\x7E]{1,64}$/.test(body['error']) ? body['error'] : undefined;
  const description = sanitize(body?.['error_description'], options.redact);
  const retryable = response.status >= 500 || response.status === 429 || response.status === 408 || (code !== undefined && TRANSIENT_CODES.has(code));

  const parts = [`HTTP ${response.status}`];
  if (code !== undefined) parts.push(code);
  if (description !== undefined) parts.push(`(${description})`);
  const advice = retryable
    ? `a transient failure${response.retryAfterMs === undefined ? '' : `; the server asked to wait ${response.retryAfterMs} ms`}`
    : ((code !== undefined ? hintFor(code, options.grantType) : undefined) ?? 'the server refused the request; a retry will not help');
  return new OAuthError(`Token endpoint ${options.endpoint} failed: ${parts.join(' ')} — ${advice}.`, {
    ...(code === undefined ? {} : { code }),
    status: response.status,
    retryable,
    ...(response.retryAfterMs === undefined ? {} : { retryAfterMs: response.retryAfterMs }),
  });
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    // The SyntaxError quotes the body, which may hold a token: it is dropped, not chained.
    return undefined;
  }
}

/** Server text, cut short, printable only, with every known secret removed. */
function sanitize(value: unknown, redact: readonly string[]): string | undefined {
  if (typeof value !== 'string') return undefined;
  let text = value;
  for (const secret of redact) if (secret !== '') text = text.split(secret).join('[redacted]');
  text = text.replace(/[^\x20-\x7E]/g, '?');
  if (text.length > MAX_DESCRIPTION_LENGTH) text = `${text.slice(0, MAX_DESCRIPTION_LENGTH)}…`;
  return text === '' ? undefined : text;
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  // A string is not quoted: a confused server might have put something secret there.
  if (typeof value === 'string') return 'a string that is not a number';
  return Array.isArray(value) ? 'an array' : typeof value;
}
