import pRetry from 'p-retry';
import { fullJitterDelay, parseRetryAfter } from './backoff.js';
import type { ClientSecretSource } from './client-secret.js';
import { OAuthError } from './errors.js';
import type { ResolvedClientOptions } from './oauth2-options.js';
import { interpretTokenResponse, type TokenEndpointResponse, type TokenEndpointResult } from './token-response.js';

/** One token request of some grant, apart from client authentication (added here). */
export interface TokenRequest {
  /** The `grant_type` (RFC 6749 §4), e.g. `client_credentials` or `refresh_token`. */
  grantType: string;
  /** The grant's form parameters after `grant_type`, in order; a name may repeat (`resource`). */
  parameters: ReadonlyArray<readonly [string, string]>;
  /** Values sent that must never appear in an error (a refresh token), besides the client secret. */
  redact: readonly string[];
}

/**
 * POSTs `request` to the token endpoint with the client secret, retrying transient failures (5xx,
 * 429, 408, timeouts, network errors) with full-jitter backoff, honouring `Retry-After`, within
 * `retries` and `maxElapsedMs`. Refusals are not retried — except `invalid_client` with a client
 * secret from Secrets Manager: the secret is read again and, if it changed (rotated), the request is
 * made once more. Aborting `signal` rejects with its reason at once.
 */
export async function requestToken(
  options: ResolvedClientOptions,
  secrets: ClientSecretSource,
  request: TokenRequest,
  signal: AbortSignal | undefined,
): Promise<TokenEndpointResult> {
  signal?.throwIfAborted();
  const exchange: Exchange = { options, request, signal, deadline: options.clock.monotonic() + options.maxElapsedMs };
  const secret = await secrets.current(signal);
  try {
    return await requestWithRetries(exchange, secret);
  } catch (error) {
    if (!(error instanceof OAuthError) || error.code !== 'invalid_client') throw error;
    const replacement = await secrets.replacementFor(secret, signal);
    if (replacement === undefined) throw error;
    return await requestWithRetries(exchange, replacement);
  }
}

/** One {@link requestToken} call: what every attempt of it shares, whichever client secret it presents. */
interface Exchange {
  options: ResolvedClientOptions;
  request: TokenRequest;
  signal: AbortSignal | undefined;
  /** On the clock's monotonic scale: no attempt or wait starts that would end after it. */
  deadline: number;
}

async function requestWithRetries(exchange: Exchange, clientSecret: string): Promise<TokenEndpointResult> {
  const { options, signal, deadline } = exchange;
  const { clock } = options;
  try {
    return await pRetry(() => requestOnce(exchange, clientSecret), {
      retries: options.retries,
      // p-retry's own wait is switched off: ours is full jitter, honours Retry-After and runs on the
      // injected clock, so it happens in shouldRetry, after p-retry has checked the retry budget.
      minTimeout: 0,
      signal,
      shouldRetry: async ({ error, retriesConsumed }) => {
        if (!(error instanceof OAuthError) || !error.retryable) return false;
        const backoff = fullJitterDelay(retriesConsumed + 1, options, options.random);
        const wait = Math.max(error.retryAfterMs ?? 0, backoff);
        if (clock.monotonic() + wait >= deadline) return false;
        await clock.sleep(wait, signal);
        return true;
      },
    });
  } catch (error) {
    // p-retry reports an abort its own way (and wraps a non-Error reason); callers expect the reason.
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
}

async function requestOnce({ options, request, signal, deadline }: Exchange, clientSecret: string): Promise<TokenEndpointResult> {
  const { clock, tokenUrl } = options;
  const endpoint = `${tokenUrl.origin}${tokenUrl.pathname}`;
  const timeoutMs = Math.max(0, Math.min(options.attemptTimeoutMs, deadline - clock.monotonic()));
  const timeout = new AbortController();
  const cancelTimeout = clock.schedule(() => timeout.abort(), timeoutMs);
  const requestedAt = clock.now();
  let response: TokenEndpointResponse;
  try {
    const answer = await options.fetch(tokenUrl, {
      method: 'POST',
      headers: requestHeaders(options, clientSecret),
      body: requestBody(options, request, clientSecret),
      signal: signal === undefined ? timeout.signal : AbortSignal.any([signal, timeout.signal]),
      // Following a redirect would resend the client secret to wherever it points.
      redirect: 'manual',
    });
    response = {
      status: answer.status,
      body: await answer.text(),
      retryAfterMs: parseRetryAfter(answer.headers.get('retry-after'), clock.now()),
    };
  } catch (cause) {
    if (signal?.aborted) throw signal.reason;
    if (timeout.signal.aborted) {
      throw new OAuthError(`Token endpoint ${endpoint} did not answer within ${timeoutMs} ms.`, { retryable: true });
    }
    throw new OAuthError(`Could not reach token endpoint ${endpoint}: ${networkFailure(cause)}.`, { retryable: true }, { cause });
  } finally {
    cancelTimeout();
  }
  if (response.status >= 300 && response.status < 400) {
    throw new OAuthError(`Token endpoint ${endpoint} answered with a redirect (HTTP ${response.status}); set tokenUrl to the endpoint itself.`, {
      status: response.status,
      retryable: false,
    });
  }
  return interpretTokenResponse(response, {
    endpoint,
    grantType: request.grantType,
    requestedAt,
    defaultLifetimeMs: options.defaultLifetimeMs,
    redact: [clientSecret, ...request.redact],
  });
}

function requestHeaders(options: ResolvedClientOptions, clientSecret: string): Record<string, string> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    'content-type': 'application/x-www-form-urlencoded',
  };
  if (options.authMethod === 'client_secret_basic') {
    // RFC 6749 §2.3.1: form-urlencode id and secret first, so a ':' or non-ASCII survives Basic.
    const credentials = `${formEncode(options.clientId)}:${formEncode(clientSecret)}`;
    headers['authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  return headers;
}

function requestBody(options: ResolvedClientOptions, request: TokenRequest, clientSecret: string): string {
  const body = new URLSearchParams({ grant_type: request.grantType });
  for (const [name, value] of request.parameters) body.append(name, value);
  if (options.authMethod === 'client_secret_post') {
    body.set('client_id', options.clientId);
    body.set('client_secret', clientSecret);
  }
  return body.toString();
}

/** application/x-www-form-urlencoded serialisation of one value (space becomes `+`). */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** fetch says only "fetch failed"; the reason (ECONNREFUSED, a reset socket, a bad port) is on its cause. */
function networkFailure(cause: unknown): string {
  const inner = cause instanceof Error ? cause.cause : undefined;
  const code = (inner as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  if (inner instanceof Error && inner.message !== '') return inner.message;
  return cause instanceof Error ? cause.message : 'unknown error';
}
