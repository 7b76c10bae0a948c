import pRetry from 'p-retry';
import { fullJitterDelay, parseRetryAfter } from './backoff.js';
import { clientSecretSource } from './client-secret.js';
import { OAuthError } from './errors.js';
import { resolveOAuthOptions, type OAuth2ClientCredentialsOptions, type ResolvedOAuthOptions } from './oauth2-options.js';
import { interpretTokenResponse, type TokenEndpointResponse } from './token-response.js';
import type { SourcedToken, RefreshSource } from './types.js';

/**
 * A token source for the OAuth 2.0 client credentials grant (RFC 6749 §4.4): pass it as the
 * TokenRefresher's `refresh`. Options are checked here, before any request.
 *
 * Each call POSTs one token request; transient failures (5xx, 429, 408, timeouts, network errors)
 * are retried with full-jitter backoff, honouring `Retry-After`, within `retry.retries` and
 * `retry.maxElapsedMs`. Refusals (`invalid_client`, `invalid_scope`, `unauthorized_client`, …) are
 * not retried — with one exception: when the client secret comes from Secrets Manager, an
 * `invalid_client` re-reads it and, if it changed (rotated), tries once more. Aborting `signal`
 * rejects with its reason at once. Failures are {@link OAuthError}s that never contain the client
 * secret or a token.
 *
 * `expiresAt` is measured from when the request was sent, so network time shortens the assumed
 * lifetime rather than lengthening it. A response without `expires_in` is rejected unless
 * `defaultLifetimeMs` says what to assume.
 *
 * @example
 * ```ts
 * const refresh = oauth2ClientCredentials({
 *   tokenUrl: 'https://idp.example.com/oauth2/token',
 *   clientId: 'billing-worker',
 *   clientSecretId: 'prod/billing-worker/oauth-client-secret',
 *   scope: ['invoices:read'],
 * });
 * const { token, expiresAt } = await refresh({ signal: AbortSignal.timeout(30_000) });
 * ```
 */
export function oauth2ClientCredentials(options: OAuth2ClientCredentialsOptions): RefreshSource {
  const resolved = resolveOAuthOptions(options);
  const secrets = clientSecretSource(resolved.clientSecret);

  return async (context = {}) => {
    const { signal } = context;
    signal?.throwIfAborted();
    const deadline = resolved.clock.monotonic() + resolved.maxElapsedMs;
    const secret = await secrets.current(signal);
    try {
      return await requestWithRetries(resolved, secret, signal, deadline);
    } catch (error) {
      if (!(error instanceof OAuthError) || error.code !== 'invalid_client') throw error;
      const replacement = await secrets.replacementFor(secret, signal);
      if (replacement === undefined) throw error;
      return await requestWithRetries(resolved, replacement, signal, deadline);
    }
  };
}

async function requestWithRetries(
  options: ResolvedOAuthOptions,
  clientSecret: string,
  signal: AbortSignal | undefined,
  deadline: number,
): Promise<SourcedToken> {
  const { clock } = options;
  try {
    return await pRetry(() => requestOnce(options, clientSecret, signal, deadline), {
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

async function requestOnce(
  options: ResolvedOAuthOptions,
  clientSecret: string,
  signal: AbortSignal | undefined,
  deadline: number,
): Promise<SourcedToken> {
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
      body: requestBody(options, clientSecret),
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
    requestedAt,
    defaultLifetimeMs: options.defaultLifetimeMs,
    redact: [clientSecret],
  });
}

function requestHeaders(options: ResolvedOAuthOptions, clientSecret: string): Record<string, string> {
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

function requestBody(options: ResolvedOAuthOptions, clientSecret: string): string {
  const body = new URLSearchParams({ grant_type: 'client_credentials' });
  if (options.scope !== undefined) body.set('scope', options.scope);
  if (options.audience !== undefined) body.set('audience', options.audience);
  for (const resource of options.resources) body.append('resource', resource);
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
