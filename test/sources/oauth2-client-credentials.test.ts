import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { oauth2ClientCredentials, OAuthError, type OAuth2ClientCredentialsOptions } from '../../src/sources/index.js';
import { startOAuthServer, type OAuthServer } from '../../devkit/oauth-server.js';
import { ManualClock } from '../support/manual-clock.js';

const TTL_SECONDS = 300;
const BASIC = { clientId: 'basic-client', clientSecret: 'basic-secret-value' };
const POST = { clientId: 'post-client', clientSecret: 'post-secret-value' };
// Every character RFC 6749 §2.3.1 form-encoding must protect inside a Basic header.
const AWKWARD = { clientId: 'team:a b+c', clientSecret: 's3cr%t:+ /?#&=;[]@!~*()' };
const API = 'https://api.example.test/';

let server: OAuthServer;

beforeAll(async () => {
  server = await startOAuthServer({
    clients: [
      { ...BASIC, scope: 'read write' },
      { ...POST, authMethod: 'client_secret_post', scope: 'read' },
      { ...AWKWARD, scope: 'read' },
      { clientId: 'doomed-client', clientSecret: 'doomed-secret', scope: 'read' },
    ],
    accessTokenTtlSeconds: TTL_SECONDS,
    resources: { [API]: { scope: 'read write', accessTokenTtlSeconds: 120 } },
  });
});

afterAll(async () => {
  await server.close();
});

afterEach(() => {
  server.resetFaults();
});

function source(overrides: Partial<OAuth2ClientCredentialsOptions> = {}, clock = new ManualClock()) {
  return oauth2ClientCredentials({
    tokenUrl: server.tokenUrl,
    ...BASIC,
    clock,
    random: () => 0.5,
    ...overrides,
  } as OAuth2ClientCredentialsOptions);
}

/**
 * Counts token requests made while `action` runs. A failure of `action` fails the test: an action
 * that expects the call to fail says so itself (`failure(...)`, `expect(...).rejects`), so neither
 * an unexpected error nor a failed assertion inside it is swallowed.
 */
async function requestsDuring(action: () => Promise<unknown>): Promise<number> {
  const before = server.stats.tokenRequests;
  await action();
  return server.stats.tokenRequests - before;
}

async function failure(promise: Promise<unknown>): Promise<OAuthError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(OAuthError);
  return error as OAuthError;
}

/** A loopback port that was just free and is closed again: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Everything an error shows a log or a report: message, stack, own fields and the cause chain. */
function everythingIn(error: unknown): string {
  return `${inspect(error, { depth: 10, showHidden: true })}\n${JSON.stringify(error)}`;
}

describe('Function: oauth2ClientCredentials', () => {
  describe('against a real authorization server', () => {
    it('gets a token with client_secret_basic that the server introspects as active, expiring after expires_in', async () => {
      const clock = new ManualClock();
      const { token, expiresAt } = await source({ scope: 'read' }, clock)();

      expect(expiresAt.getTime()).toBe(clock.now() + TTL_SECONDS * 1000);
      const introspection = await server.introspect(token);
      expect(introspection).toMatchObject({ active: true, client_id: BASIC.clientId, scope: 'read' });
      expect(server.requests.at(-1)).toMatchObject({ credentialsIn: 'header', grantType: 'client_credentials', status: 200 });
    });

    it('gets a token with client_secret_post, sending the credentials in the form body', async () => {
      const { token } = await source({ ...POST, authMethod: 'client_secret_post' })();

      expect(await server.introspect(token)).toMatchObject({ active: true, client_id: POST.clientId });
      expect(server.requests.at(-1)).toMatchObject({ clientId: POST.clientId, credentialsIn: 'body', status: 200 });
    });

    it('form-encodes the client id and secret before Basic encoding (RFC 6749 §2.3.1)', async () => {
      const { token } = await source(AWKWARD)();

      expect(await server.introspect(token)).toMatchObject({ active: true, client_id: AWKWARD.clientId });
    });

    it('passes scope, audience and resource through to the server', async () => {
      const { token, expiresAt } = await source({ scope: ['read', 'write'], audience: 'billing-api', resource: API })();

      expect(server.requests.at(-1)).toMatchObject({ scope: 'read write', audience: 'billing-api', resource: API, status: 200 });
      expect(await server.introspect(token)).toMatchObject({ active: true, aud: API, scope: 'read write' });
      expect(expiresAt.getTime()).toBe(new ManualClock().now() + 120_000);
    });

    it('reports a wrong secret as invalid_client without retrying or revealing the secret', async () => {
      const wrong = 'wrong-secret-do-not-print';
      let error: OAuthError | undefined;
      const requests = await requestsDuring(async () => {
        error = await failure(source({ clientSecret: wrong })());
      });

      expect(requests).toBe(1);
      expect(error).toMatchObject({ code: 'invalid_client', status: 401, retryable: false });
      expect(error?.message).toMatch(/invalid_client.*check clientId, the client secret and authMethod/);
      expect(everythingIn(error)).not.toContain(wrong);
    });

    it('reports a revoked client as invalid_client, once', async () => {
      const doomed = source({ clientId: 'doomed-client', clientSecret: 'doomed-secret' });
      await doomed();
      server.revokeClient('doomed-client');

      let error: OAuthError | undefined;
      const requests = await requestsDuring(async () => {
        error = await failure(doomed());
      });

      expect(requests).toBe(1);
      expect(error).toMatchObject({ code: 'invalid_client', retryable: false });
    });

    it('reports a scope the client may not request as invalid_scope, without retrying', async () => {
      let error: OAuthError | undefined;
      const requests = await requestsDuring(async () => {
        error = await failure(source({ ...POST, authMethod: 'client_secret_post', scope: 'write' })());
      });

      expect(requests).toBe(1);
      expect(error).toMatchObject({ code: 'invalid_scope', status: 400, retryable: false });
    });

    it('reports an unknown resource as invalid_target, without retrying', async () => {
      let error: OAuthError | undefined;
      const requests = await requestsDuring(async () => {
        error = await failure(source({ resource: 'https://unknown.example.test/' })());
      });

      expect(requests).toBe(1);
      expect(error).toMatchObject({ code: 'invalid_target', retryable: false });
    });
  });

  describe('cancellation and timeouts', () => {
    it('rejects with the abort reason when the signal aborts while the server is slow', async () => {
      server.setLatency(60_000);
      const controller = new AbortController();
      const minted = server.stats.minted;
      const arrived = server.nextTokenRequest();
      const pending = source()({ signal: controller.signal });
      await arrived;
      const reason = new Error('lease about to expire');
      controller.abort(reason);

      await expect(pending).rejects.toBe(reason);
      expect(server.stats.minted).toBe(minted);
    });

    it('makes no request when the signal is already aborted', async () => {
      const reason = new Error('too late');
      const requests = await requestsDuring(async () => {
        await expect(source()({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      });

      expect(requests).toBe(0);
    });

    it('gives up on an attempt that gets no answer within attemptTimeoutMs', async () => {
      server.setLatency(60_000);
      const clock = new ManualClock();
      const arrived = server.nextTokenRequest();
      const pending = source({ attemptTimeoutMs: 2_000, retry: { retries: 0 } }, clock)();
      await arrived;
      clock.advance(2_000);

      const error = await failure(pending);
      expect(error).toMatchObject({ retryable: true, status: undefined });
      expect(error.message).toMatch(/did not answer within 2000 ms/);
    });

    it('cuts an attempt short at retry.maxElapsedMs, the bound on the whole call', async () => {
      server.setLatency(60_000);
      const clock = new ManualClock();
      const arrived = server.nextTokenRequest();
      const pending = source({ attemptTimeoutMs: 10_000, retry: { maxElapsedMs: 1_500 } }, clock)();
      await arrived;
      clock.advance(1_500);

      const error = await failure(pending);
      expect(error.message).toMatch(/did not answer within 1500 ms/);
      expect(clock.sleeps).toEqual([]);
    });

    it('leaves no timer behind after a call', async () => {
      const clock = new ManualClock();
      await source({}, clock)();

      expect(clock.pendingTimers).toBe(0);
    });
  });

  describe('retrying transient failures', () => {
    it('retries 5xx with full-jitter backoff and returns the token', async () => {
      const clock = new ManualClock();
      server.injectResponses({ status: 503, body: { error: 'temporarily_unavailable' } }, 2);
      let token: string | undefined;
      const requests = await requestsDuring(async () => {
        ({ token } = await source({ retry: { minDelayMs: 100, maxDelayMs: 1_000 } }, clock)());
      });

      expect(requests).toBe(3);
      expect(await server.introspect(token ?? '')).toMatchObject({ active: true });
      // random() = 0.5 draws the middle of [0, 100) then [0, 200).
      expect(clock.sleeps).toEqual([50, 100]);
    });

    it('waits as long as a 429 Retry-After asks before retrying', async () => {
      const clock = new ManualClock();
      server.injectResponses({ status: 429, headers: { 'retry-after': '7' }, body: { error: 'rate_limited' } });
      await source({}, clock)();

      expect(clock.sleeps).toEqual([7_000]);
    });

    it('retries a dropped connection', async () => {
      server.dropConnections(1);
      let token: string | undefined;
      const requests = await requestsDuring(async () => {
        ({ token } = await source()());
      });

      expect(requests).toBe(2);
      expect(token).toEqual(expect.any(String));
    });

    it('reports a dropped connection or a refused one as a retryable network failure', async () => {
      server.dropConnections(1);
      const dropped = await failure(source({ retry: { retries: 0 } })());
      expect(dropped).toMatchObject({ retryable: true, status: undefined, code: undefined });
      expect(dropped.message).toMatch(/^Could not reach token endpoint http:\/\/127\.0\.0\.1:\d+\/token: \S+\.$/);

      const port = await closedPort();
      const refused = await failure(source({ tokenUrl: `http://127.0.0.1:${port}/token`, retry: { retries: 0 } })());
      expect(refused.message).toBe(`Could not reach token endpoint http://127.0.0.1:${port}/token: ECONNREFUSED.`);
    });

    it('stops after retry.retries and reports the last failure', async () => {
      const clock = new ManualClock();
      server.injectResponses({ status: 500 }, 3);
      let error: OAuthError | undefined;
      const requests = await requestsDuring(async () => {
        error = await failure(source({ retry: { retries: 2 } }, clock)());
      });

      expect(requests).toBe(3);
      expect(clock.sleeps).toHaveLength(2);
      expect(error).toMatchObject({ status: 500, retryable: true });
    });

    it('fails at once when Retry-After would end past retry.maxElapsedMs', async () => {
      const clock = new ManualClock();
      server.injectResponses({ status: 503, headers: { 'retry-after': '120' } });
      let error: OAuthError | undefined;
      const requests = await requestsDuring(async () => {
        error = await failure(source({ retry: { maxElapsedMs: 60_000 } }, clock)());
      });

      expect(requests).toBe(1);
      expect(clock.sleeps).toEqual([]);
      expect(error).toMatchObject({ status: 503, retryable: true, retryAfterMs: 120_000 });
    });

    it('does not retry a 4xx refusal', async () => {
      server.injectResponses({ status: 400, body: { error: 'invalid_request', error_description: 'bad' } });
      let error: OAuthError | undefined;
      const requests = await requestsDuring(async () => {
        error = await failure(source()());
      });

      expect(requests).toBe(1);
      expect(error).toMatchObject({ code: 'invalid_request', retryable: false });
    });

    it('stops retrying when the signal aborts during the backoff', async () => {
      const controller = new AbortController();
      const reason = new Error('shutting down');
      const clock = new ManualClock();
      clock.onSleep = () => controller.abort(reason);
      server.injectResponses({ status: 502 }, 1);
      const requests = await requestsDuring(async () => {
        await expect(source({}, clock)({ signal: controller.signal })).rejects.toBe(reason);
      });

      expect(requests).toBe(1);
    });
  });

  describe('malformed token responses', () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['no access_token', { token_type: 'Bearer', expires_in: 60 }, /no access_token/],
      ['a non-numeric expires_in', { access_token: 't', expires_in: 'soon' }, /expires_in is a string that is not a number/],
      ['a negative expires_in', { access_token: 't', expires_in: -5 }, /expires_in is -5/],
      ['no expires_in and no defaultLifetimeMs', { access_token: 't' }, /set defaultLifetimeMs/],
      ['a body that is not JSON', 'access_token=abc&expires_in=60', /not a JSON object/],
    ];
    for (const [what, body, message] of cases) {
      it(`rejects a 200 response with ${what}, without retrying`, async () => {
        server.injectResponses({ status: 200, body });
        let error: OAuthError | undefined;
        const requests = await requestsDuring(async () => {
          error = await failure(source()());
        });

        expect(requests).toBe(1);
        expect(error).toMatchObject({ status: 200, retryable: false });
        expect(error?.message).toMatch(message);
      });
    }

    it('uses defaultLifetimeMs when the response has no expires_in', async () => {
      const clock = new ManualClock();
      server.injectResponses({ status: 200, body: { access_token: 'opaque', token_type: 'Bearer' } });
      const { expiresAt } = await source({ defaultLifetimeMs: 90_000 }, clock)();

      expect(expiresAt.getTime()).toBe(clock.now() + 90_000);
    });

    it('accepts expires_in sent as a numeric string', async () => {
      const clock = new ManualClock();
      server.injectResponses({ status: 200, body: { access_token: 'opaque', expires_in: '3600' } });
      const { expiresAt } = await source({}, clock)();

      expect(expiresAt.getTime()).toBe(clock.now() + 3_600_000);
    });

    it('keeps a token out of the error when the response is malformed', async () => {
      const leaked = 'leaked-access-token-value';
      server.injectResponses({ status: 200, body: `{"access_token":"${leaked}","expires_in":` });
      const error = await failure(source()());

      expect(everythingIn(error)).not.toContain(leaked);
    });

    it('removes the client secret from a server error description', async () => {
      server.injectResponses({
        status: 401,
        body: { error: 'invalid_client', error_description: `secret ${BASIC.clientSecret} is wrong` },
      });
      const error = await failure(source()());

      expect(error.message).toContain('secret [redacted] is wrong');
      expect(everythingIn(error)).not.toContain(BASIC.clientSecret);
    });

    it('does not follow a redirect, which would resend the secret elsewhere', async () => {
      server.injectResponses({ status: 307, headers: { location: 'https://elsewhere.example.test/token' } });
      let error: OAuthError | undefined;
      const requests = await requestsDuring(async () => {
        error = await failure(source()());
      });

      expect(requests).toBe(1);
      expect(error).toMatchObject({ status: 307, retryable: false });
      expect(error?.message).toMatch(/set tokenUrl to the endpoint itself/);
    });
  });
});
