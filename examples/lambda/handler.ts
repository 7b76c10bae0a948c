/**
 * An AWS Lambda handler that calls an OAuth-protected API with a token shared by every execution
 * environment of the function (and any workers): refreshed once per token lifetime for the whole
 * fleet, read from Secrets Manager otherwise, and served from memory between refreshes.
 *
 * Configuration (environment variables): TOKEN_SECRET_ID, LOCK_TABLE, TOKEN_URL, CLIENT_ID,
 * CLIENT_SECRET_ID, API_URL, and optionally TOKEN_SCOPE. See README.md beside this file.
 */
import type { Context } from 'aws-lambda';
// In your project: from 'token-refresher/lambda' and 'token-refresher/sources'.
import { InvocationDeadlineError, LambdaTokenProvider, TokenUnavailableError } from '../../src/lambda/index.js';
import { oauth2ClientCredentials } from '../../src/sources/index.js';

function setting(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`Set the environment variable ${name} (see examples/lambda/README.md).`);
  return value;
}

const apiUrl = setting('API_URL');

// Module scope: created once per execution environment and reused by every invocation it serves.
const tokens = new LambdaTokenProvider({
  secretId: setting('TOKEN_SECRET_ID'),
  lockTable: setting('LOCK_TABLE'),
  refresh: oauth2ClientCredentials({
    tokenUrl: setting('TOKEN_URL'),
    clientId: setting('CLIENT_ID'),
    clientSecretId: setting('CLIENT_SECRET_ID'),
    ...(process.env.TOKEN_SCOPE ? { scope: process.env.TOKEN_SCOPE } : {}),
  }),
});

/** The API Gateway-style result this handler returns. */
export interface ApiResult {
  statusCode: number;
  headers?: Record<string, string>;
  body: string;
}

async function callApi(token: string, context: Context): Promise<Response> {
  return fetch(apiUrl, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(Math.max(1, context.getRemainingTimeInMillis() - 100)),
  });
}

export async function handler(_event: unknown, context: Context): Promise<ApiResult> {
  try {
    const { token } = await tokens.getToken(context);
    let response = await callApi(token, context);
    // A 401 means the API no longer accepts this token: replace it (one refresh for the whole fleet,
    // however many environments see the 401) and retry once with the replacement.
    if (response.status === 401) {
      tokens.invalidate(token);
      const replacement = await tokens.getToken(context);
      if (replacement.token !== token) response = await callApi(replacement.token, context);
    }
    return { statusCode: response.status, body: await response.text() };
  } catch (error) {
    if (error instanceof InvocationDeadlineError || error instanceof TokenUnavailableError) {
      // The messages name the cause and never contain a token, so they are safe to return and log.
      return { statusCode: 503, headers: { 'retry-after': '1' }, body: `${error.name}: ${error.message}` };
    }
    throw error;
  }
}
