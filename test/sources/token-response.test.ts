import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../src/sources/errors.js';
import { interpretTokenResponse, type TokenEndpointResponse } from '../../src/sources/token-response.js';

const OPTIONS = {
  endpoint: 'https://idp.example.com/token',
  grantType: 'client_credentials',
  requestedAt: 1_000_000,
  defaultLifetimeMs: undefined,
  redact: ['s3cret'],
};

function failureOf(response: Partial<TokenEndpointResponse>): OAuthError {
  try {
    interpretTokenResponse({ status: 200, body: '', retryAfterMs: undefined, ...response }, OPTIONS);
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    return error as OAuthError;
  }
  throw new Error('expected an OAuthError');
}

describe('Function: interpretTokenResponse', () => {
  it('counts expires_in from the moment the request was sent', () => {
    const token = interpretTokenResponse(
      { status: 200, body: JSON.stringify({ access_token: 'abc', expires_in: 60 }), retryAfterMs: undefined },
      OPTIONS,
    );
    expect(token).toEqual({ token: 'abc', expiresAt: new Date(1_000_000 + 60_000) });
  });

  it('treats 5xx, 429, 408 and the transient OAuth codes as retryable', () => {
    for (const status of [500, 502, 503, 504, 429, 408]) {
      expect(failureOf({ status }).retryable).toBe(true);
    }
    expect(failureOf({ status: 400, body: '{"error":"temporarily_unavailable"}' }).retryable).toBe(true);
    expect(failureOf({ status: 400, body: '{"error":"server_error"}' }).retryable).toBe(true);
  });

  it('treats the RFC 6749 §5.2 refusals as final, with advice for each', () => {
    const advice: Record<string, RegExp> = {
      invalid_client: /check clientId, the client secret and authMethod/,
      invalid_grant: /refused the client credentials grant/,
      unauthorized_client: /not allowed the client_credentials grant/,
      invalid_scope: /check scope/,
      unsupported_grant_type: /does not support the client_credentials grant/,
    };
    for (const [code, message] of Object.entries(advice)) {
      const error = failureOf({ status: 400, body: JSON.stringify({ error: code }) });
      expect(error).toMatchObject({ code, status: 400, retryable: false });
      expect(error.message).toMatch(message);
    }
  });

  it('advises on refusals of the refresh token grant in its own terms', () => {
    const refusal = (code: string) =>
      (() => {
        try {
          interpretTokenResponse(
            { status: 400, body: JSON.stringify({ error: code }), retryAfterMs: undefined },
            { ...OPTIONS, grantType: 'refresh_token' },
          );
        } catch (error) {
          return (error as OAuthError).message;
        }
        throw new Error('expected an OAuthError');
      })();
    expect(refusal('invalid_grant')).toMatch(/refused the refresh token: it was revoked, expired, already used/);
    expect(refusal('unauthorized_client')).toMatch(/not allowed the refresh_token grant/);
  });

  it('reports the refresh_token of a response, and none when it is absent or null', () => {
    const result = (body: object) =>
      interpretTokenResponse(
        { status: 200, body: JSON.stringify({ access_token: 'abc', expires_in: 60, ...body }), retryAfterMs: undefined },
        OPTIONS,
      );
    expect(result({ refresh_token: 'rotated' }).refreshToken).toBe('rotated');
    expect(result({}).refreshToken).toBeUndefined();
    expect(result({ refresh_token: null }).refreshToken).toBeUndefined();
    expect(failureOf({ body: JSON.stringify({ access_token: 'abc', expires_in: 60, refresh_token: '' }) }).message).toMatch(
      /refresh_token is not a non-empty string/,
    );
  });

  it('carries Retry-After on the error', () => {
    const error = failureOf({ status: 429, retryAfterMs: 2_000 });
    expect(error.retryAfterMs).toBe(2_000);
    expect(error.message).toMatch(/asked to wait 2000 ms/);
  });

  it('ignores an error code that is not a short printable string', () => {
    expect(failureOf({ status: 400, body: JSON.stringify({ error: 'x'.repeat(65) }) }).code).toBeUndefined();
    expect(failureOf({ status: 400, body: JSON.stringify({ error: 42 }) }).code).toBeUndefined();
  });

  it('cuts a long description short and strips control characters and known secrets', () => {
    const error = failureOf({
      status: 400,
      body: JSON.stringify({ error: 'invalid_request', error_description: `s3cret\n${'y'.repeat(500)}` }),
    });
    expect(error.message).toContain('([redacted]?yyy');
    expect(error.message).not.toContain('s3cret');
    expect(error.message.length).toBeLessThan(500);
  });

  it('rejects a zero, infinite or non-number expires_in', () => {
    for (const expiresIn of [0, '1e3', true, [60], { s: 60 }]) {
      const error = failureOf({ body: JSON.stringify({ access_token: 'abc', expires_in: expiresIn }) });
      expect(error.message).toMatch(/expires_in is .*expected a positive number of seconds/);
    }
  });

  it('rejects an empty access_token and a JSON array body', () => {
    expect(failureOf({ body: JSON.stringify({ access_token: '', expires_in: 5 }) }).message).toMatch(/no access_token/);
    expect(failureOf({ body: '[]' }).message).toMatch(/not a JSON object/);
  });
});
