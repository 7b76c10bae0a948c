import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RefreshFunction, RefreshState } from '../../src/index.js';
import { ConfigurationError } from '../../src/shared/errors.js';
import {
  OAuthError,
  oauth2RefreshToken,
  RefreshStateMissingError,
  RefreshStateRejectedError,
  type OAuth2RefreshTokenOptions,
  type SourcedStatefulToken,
} from '../../src/sources/index.js';
import { startOAuthServer, type OAuthServer } from '../../devkit/oauth-server.js';
import { ManualClock } from '../support/manual-clock.js';

const TTL_SECONDS = 300;
const GRACE_SECONDS = 30;
const APP = { clientId: 'reporting', clientSecret: 'reporting-client-secret-value' };
const CLIENT = { ...APP, scope: 'read write', offlineAccess: true };
const CLIENTS = [CLIENT];

let rotating: OAuthServer;
let nonRotating: OAuthServer;
let lenient: OAuthServer;
/** The grace-period server's clock: it moves only when a test says so. */
let lenientNow = Date.UTC(2030, 0, 1);

/** Every value that must never appear in an error, a log line or the fixture's request log. */
const secretsSeen = new Set<string>([APP.clientSecret]);
const errorsSeen: unknown[] = [];
const logged: string[] = [];

beforeAll(async () => {
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logged.push(args.map((arg) => inspect(arg, { depth: 10 })).join(' '));
    });
  }
  [rotating, nonRotating, lenient] = await Promise.all([
    startOAuthServer({ clients: CLIENTS, accessTokenTtlSeconds: TTL_SECONDS, refreshTokens: { rotate: true } }),
    startOAuthServer({ clients: CLIENTS, accessTokenTtlSeconds: TTL_SECONDS, refreshTokens: { rotate: false } }),
    startOAuthServer({
      clients: CLIENTS,
      accessTokenTtlSeconds: TTL_SECONDS,
      refreshTokens: { rotate: true, reuseGraceSeconds: GRACE_SECONDS, now: () => lenientNow },
    }),
  ]);
});

afterAll(async () => {
  await Promise.all([rotating?.close(), nonRotating?.close(), lenient?.close()]);
  vi.restoreAllMocks();
});

afterEach(() => {
  for (const server of [rotating, nonRotating, lenient]) server.resetFaults();
});

function source(server: OAuthServer, overrides: Partial<OAuth2RefreshTokenOptions> = {}, clock = new ManualClock()) {
  return oauth2RefreshToken({
    tokenUrl: server.tokenUrl,
    ...APP,
    clock,
    random: () => 0.5,
    ...overrides,
  } as OAuth2RefreshTokenOptions);
}

/** A new grant, as a user authorizing the app once would create: its first refresh token as state. */
async function seededState(server: OAuthServer): Promise<RefreshState> {
  const grant = await server.authorize({ ...APP, scope: 'read' });
  remember(grant.refreshToken, grant.accessToken);
  return { refreshToken: grant.refreshToken };
}

function remember(...values: Array<string | undefined>): void {
  for (const value of values) if (value !== undefined) secretsSeen.add(value);
}

async function refreshed(call: Promise<SourcedStatefulToken>): Promise<SourcedStatefulToken> {
  const result = await call;
  remember(result.token, result.state['refreshToken']);
  return result;
}

async function requestsDuring(server: OAuthServer, action: () => Promise<unknown>): Promise<number> {
  const before = server.stats.tokenRequests;
  await action();
  return server.stats.tokenRequests - before;
}

async function failure<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const error = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (reason: unknown) => reason,
  );
  errorsSeen.push(error);
  expect(error).toBeInstanceOf(type);
  return error as T;
}

/** Everything an error shows a log or a report: message, stack, own fields and the cause chain. */
function everythingIn(value: unknown): string {
  return `${inspect(value, { depth: 10, showHidden: true })}\n${JSON.stringify(value)}`;
}

describe('Function: oauth2RefreshToken', () => {
  it('is a RefreshFunction the TokenRefresher accepts as refresh', () => {
    const refresh: RefreshFunction = source(rotating);
    expect(refresh).toBeTypeOf('function');
  });

  describe('against oidc-provider rotating refresh tokens', () => {
    it('returns a new refresh token in the state on every refresh, and the server then refuses the old one', async () => {
      const clock = new ManualClock();
      const refresh = source(rotating, {}, clock);
      const first = await seededState(rotating);
      const seen = [first['refreshToken']];
      let state = first;
      for (let i = 0; i < 3; i += 1) {
        const result = await refreshed(refresh({ state }));
        expect(result.state['refreshToken']).not.toBe(state['refreshToken']);
        expect(result.expiresAt.getTime()).toBe(clock.now() + TTL_SECONDS * 1000);
        expect(await rotating.introspect(result.token)).toMatchObject({ active: true, client_id: APP.clientId, sub: 'fixture-user' });
        seen.push(result.state['refreshToken']);
        state = result.state;
      }
      expect(new Set(seen).size).toBe(4);
      expect(rotating.requests.at(-1)).toMatchObject({ grantType: 'refresh_token', status: 200, credentialsIn: 'header' });

      const error = await failure(refresh({ state: { refreshToken: seen[1] ?? '' } }), RefreshStateRejectedError);
      expect(error.cause).toBeInstanceOf(OAuthError);
      expect(error.cause).toMatchObject({ code: 'invalid_grant', status: 400, retryable: false });
    });

    it('revokes the whole grant when a used refresh token comes back: the newest one is refused too', async () => {
      const refresh = source(rotating);
      const used = await seededState(rotating);
      const newest = await refreshed(refresh({ state: used }));
      const revoked = rotating.stats.grantsRevoked;

      await failure(refresh({ state: used }), RefreshStateRejectedError);

      expect(rotating.stats.grantsRevoked).toBe(revoked + 1);
      const error = await failure(refresh({ state: newest.state }), RefreshStateRejectedError);
      expect(error.cause).toMatchObject({ code: 'invalid_grant' });
      expect(await rotating.introspect(newest.token)).toMatchObject({ active: false });
    });

    it('never retries invalid_grant: one request, no backoff', async () => {
      const clock = new ManualClock();
      const refresh = source(rotating, { retry: { retries: 5 } }, clock);
      const used = await seededState(rotating);
      await refreshed(refresh({ state: used }));

      const requests = await requestsDuring(rotating, async () => {
        await failure(refresh({ state: used }), RefreshStateRejectedError);
      });

      expect(requests).toBe(1);
      expect(clock.sleeps).toEqual([]);
    });

    it('says in the rejection that an earlier holder may have used the state when recovering', async () => {
      const refresh = source(rotating);
      const used = await seededState(rotating);
      await refreshed(refresh({ state: used }));

      const error = await failure(refresh({ state: used, recovering: true }), RefreshStateRejectedError);

      expect(error.message).toMatch(/^oauth2RefreshToken: token endpoint http:\/\/127\.0\.0\.1:\d+\/token refused the refresh token/);
      expect(error.message).toMatch(/an earlier holder may have presented it/);
      expect(error.message).toMatch(/token-refresher seed-state/);
    });

    it('keeps the other fields of the state and sends scope', async () => {
      const seeded = await seededState(rotating);
      const result = await refreshed(source(rotating, { scope: 'read' })({ state: { ...seeded, note: 'seeded by ops' } }));

      expect(result.state).toEqual({ note: 'seeded by ops', refreshToken: expect.any(String) });
      expect(rotating.requests.at(-1)).toMatchObject({ grantType: 'refresh_token', scope: 'read', status: 200 });
    });

    it('reads the refresh token from refreshTokenKey and authenticates with client_secret_post when told', async () => {
      const { refreshToken } = await seededState(rotating);
      rotating.addClient({ ...CLIENT, authMethod: 'client_secret_post' });
      try {
        const result = await refreshed(
          source(rotating, { refreshTokenKey: 'rt', authMethod: 'client_secret_post' })({ state: { rt: refreshToken ?? '' } }),
        );
        expect(Object.keys(result.state)).toEqual(['rt']);
        expect(result.state['rt']).not.toBe(refreshToken);
        expect(rotating.requests.at(-1)).toMatchObject({ credentialsIn: 'body', status: 200 });
      } finally {
        rotating.addClient(CLIENT);
      }
    });

    it('keeps the refresh token it presented when a 200 response carries none', async () => {
      const seeded = await seededState(rotating);
      rotating.injectResponses({ status: 200, body: { access_token: 'opaque-from-injection', token_type: 'Bearer', expires_in: 60 } });

      const result = await refreshed(source(rotating)({ state: seeded }));

      expect(result.state).toEqual(seeded);
      // The server never saw that request, so the refresh token is still the live one.
      const next = await refreshed(source(rotating)({ state: result.state }));
      expect(next.state['refreshToken']).not.toBe(seeded['refreshToken']);
    });

    it('removes the refresh token and the client secret from a server error description', async () => {
      const seeded = await seededState(rotating);
      const presented = seeded['refreshToken'] ?? '';
      rotating.injectResponses({
        status: 400,
        body: { error: 'invalid_grant', error_description: `token ${presented} of client secret ${APP.clientSecret} is revoked` },
      });

      const error = await failure(source(rotating)({ state: seeded }), RefreshStateRejectedError);

      expect((error.cause as Error).message).toContain('token [redacted] of client secret [redacted] is revoked');
      expect(everythingIn(error)).not.toContain(presented);
      expect(everythingIn(error)).not.toContain(APP.clientSecret);
    });

    it('rejects a 200 response whose refresh_token is not a string, without retrying', async () => {
      const seeded = await seededState(rotating);
      rotating.injectResponses({ status: 200, body: { access_token: 'opaque', expires_in: 60, refresh_token: 42 } });
      let error: OAuthError | undefined;
      const requests = await requestsDuring(rotating, async () => {
        error = await failure(source(rotating)({ state: seeded }), OAuthError);
      });

      expect(requests).toBe(1);
      expect(error?.message).toMatch(/refresh_token is not a non-empty string/);
    });
  });

  describe('retrying transient failures', () => {
    it('retries 5xx with full-jitter backoff and then rotates as usual', async () => {
      const clock = new ManualClock();
      const seeded = await seededState(rotating);
      rotating.injectResponses({ status: 503, body: { error: 'temporarily_unavailable' } }, 2);
      let result: SourcedStatefulToken | undefined;
      const requests = await requestsDuring(rotating, async () => {
        result = await refreshed(source(rotating, { retry: { minDelayMs: 100, maxDelayMs: 1_000 } }, clock)({ state: seeded }));
      });

      expect(requests).toBe(3);
      expect(clock.sleeps).toEqual([50, 100]);
      expect(result?.state['refreshToken']).not.toBe(seeded['refreshToken']);
      expect(await rotating.introspect(result?.token ?? '')).toMatchObject({ active: true });
    });

    it('waits as long as a 429 Retry-After asks before retrying', async () => {
      const clock = new ManualClock();
      const seeded = await seededState(rotating);
      rotating.injectResponses({ status: 429, headers: { 'retry-after': '7' }, body: { error: 'rate_limited' } });

      await refreshed(source(rotating, {}, clock)({ state: seeded }));

      expect(clock.sleeps).toEqual([7_000]);
    });

    it('retries a connection dropped before the server handled the request', async () => {
      const seeded = await seededState(rotating);
      rotating.dropConnections(1);
      const requests = await requestsDuring(rotating, async () => {
        await refreshed(source(rotating)({ state: seeded }));
      });

      expect(requests).toBe(2);
    });

    it('stops after retry.retries and reports the last transient failure, not a rejected state', async () => {
      const clock = new ManualClock();
      const seeded = await seededState(rotating);
      rotating.injectResponses({ status: 500 }, 3);
      const error = await failure(source(rotating, { retry: { retries: 2 } }, clock)({ state: seeded }), OAuthError);

      expect(error).toMatchObject({ status: 500, retryable: true });
      expect(error).not.toBeInstanceOf(RefreshStateRejectedError);
      // The grant is intact: the server never saw the refresh token.
      await refreshed(source(rotating)({ state: seeded }));
    });

    it('loses the grant on a strict server when the response to a rotation is lost, since the retry presents a used token', async () => {
      const seeded = await seededState(rotating);
      rotating.loseResponses(1);
      const revoked = rotating.stats.grantsRevoked;
      let error: RefreshStateRejectedError | undefined;
      const requests = await requestsDuring(rotating, async () => {
        error = await failure(source(rotating)({ state: seeded }), RefreshStateRejectedError);
      });

      expect(requests).toBe(2);
      expect(error?.cause).toMatchObject({ code: 'invalid_grant' });
      expect(rotating.stats.grantsRevoked).toBe(revoked + 1);
    });

    it('recovers on a server with a reuse grace period when the response to a rotation is lost', async () => {
      const seeded = await seededState(lenient);
      lenient.loseResponses(1);
      const reuses = lenient.stats.graceReuses;
      let result: SourcedStatefulToken | undefined;
      const requests = await requestsDuring(lenient, async () => {
        result = await refreshed(source(lenient)({ state: seeded }));
      });

      expect(requests).toBe(2);
      expect(lenient.stats.graceReuses).toBe(reuses + 1);
      const next = await refreshed(source(lenient)({ state: result?.state }));
      expect(await lenient.introspect(next.token)).toMatchObject({ active: true });
    });

    it('makes no request when the signal is already aborted', async () => {
      const seeded = await seededState(rotating);
      const reason = new Error('lease lost');
      const requests = await requestsDuring(rotating, async () => {
        await expect(source(rotating)({ signal: AbortSignal.abort(reason), state: seeded })).rejects.toBe(reason);
      });

      expect(requests).toBe(0);
    });
  });

  describe('against a server that does not rotate', () => {
    it('keeps the same refresh token, which keeps working', async () => {
      const seeded = await seededState(nonRotating);
      let state = seeded;
      for (let i = 0; i < 3; i += 1) {
        const result = await refreshed(source(nonRotating)({ state }));
        expect(result.state).toEqual(seeded);
        expect(await nonRotating.introspect(result.token)).toMatchObject({ active: true });
        state = result.state;
      }
      // Without rotation, presenting the same refresh token again is normal use, not theft.
      expect(nonRotating.stats.grantsRevoked).toBe(0);
    });
  });

  describe('against a server with a reuse grace period', () => {
    it('accepts a used refresh token once within the window, and revokes the grant on a second reuse', async () => {
      const refresh = source(lenient);
      const used = await seededState(lenient);
      const rotated = await refreshed(refresh({ state: used }));
      lenientNow += (GRACE_SECONDS - 1) * 1000;

      const reused = await refreshed(refresh({ state: used, recovering: true }));
      expect(reused.state['refreshToken']).not.toBe(rotated.state['refreshToken']);
      expect(await lenient.introspect(reused.token)).toMatchObject({ active: true });

      await failure(refresh({ state: used }), RefreshStateRejectedError);
      await failure(refresh({ state: reused.state }), RefreshStateRejectedError);
    });

    it('refuses a used refresh token after the window', async () => {
      const refresh = source(lenient);
      const used = await seededState(lenient);
      await refreshed(refresh({ state: used }));
      lenientNow += GRACE_SECONDS * 1000;
      const reuses = lenient.stats.graceReuses;

      await failure(refresh({ state: used }), RefreshStateRejectedError);

      expect(lenient.stats.graceReuses).toBe(reuses);
    });
  });

  describe('without a refresh token to present', () => {
    const cases: Array<[string, RefreshState | undefined, RegExp]> = [
      ['no state', undefined, /there is no refresh state/],
      ['an empty state', {}, /no non-empty string field "refreshToken" \(refreshTokenKey; it has no fields\)/],
      ['a state without the field', { refresh_token: 'under-another-name-value' }, /its fields: "refresh_token"/],
      ['an empty refresh token', { refreshToken: '' }, /no non-empty string field "refreshToken"/],
    ];
    for (const [what, state, message] of cases) {
      it(`fails with ${what} before any request, saying how to seed the state`, async () => {
        let error: RefreshStateMissingError | undefined;
        const requests = await requestsDuring(rotating, async () => {
          error = await failure(source(rotating)({ state }), RefreshStateMissingError);
        });

        expect(requests).toBe(0);
        expect(error?.message).toMatch(message);
        expect(error?.message).toMatch(/token-refresher seed-state.*\{"refreshToken":"<refresh token>"\}/);
        expect(error?.refreshTokenKey).toBe('refreshToken');
        expect(everythingIn(error)).not.toContain('under-another-name-value');
      });
    }
  });

  describe('options', () => {
    const valid = { tokenUrl: 'https://idp.example.com/oauth2/token', ...APP };
    const rejection = (options: unknown): ConfigurationError => {
      try {
        oauth2RefreshToken(options as OAuth2RefreshTokenOptions);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigurationError);
        return error as ConfigurationError;
      }
      throw new Error('expected a ConfigurationError');
    };

    it('checks its options up front, naming itself and the option', () => {
      expect(rejection({ ...valid, refreshTokenKey: '' }).message).toBe('oauth2RefreshToken: refreshTokenKey must be a non-empty string.');
      expect(rejection({ ...valid, audience: 'api' }).message).toMatch(/^oauth2RefreshToken: unknown option audience; accepted: .*refreshTokenKey/);
      expect(rejection({ ...valid, clientSecret: undefined }).message).toMatch(/^oauth2RefreshToken: pass clientSecret, or clientSecretId/);
      expect(rejection({ ...valid, clientSecretId: 'prod/oauth' }).message).toMatch(/either clientSecret or clientSecretId, not both/);
      expect(rejection({ ...valid, tokenUrl: 'http://idp.example.com/token' }).message).toMatch(/^oauth2RefreshToken: tokenUrl must use https:/);
      expect(rejection({ ...valid, retry: { retries: -1 } }).message).toMatch(/retry\.retries must be an integer from 0 to 20/);
      expect(rejection({ ...valid, scope: 'a "b"' }).message).toMatch(/is not a valid scope token/);
    });

    it('needs no more than tokenUrl, clientId and a client secret', () => {
      expect(() => oauth2RefreshToken(valid)).not.toThrow();
      expect(() => oauth2RefreshToken({ tokenUrl: valid.tokenUrl, clientId: 'app', clientSecretId: 'prod/oauth-client' })).not.toThrow();
    });
  });

  // Last: it scans what every test above threw and logged.
  describe('secrets', () => {
    it('never puts a refresh token, access token or the client secret in an error, a log line or the request log', () => {
      expect(errorsSeen.length).toBeGreaterThan(10);
      expect(secretsSeen.size).toBeGreaterThan(20);
      const haystacks = [
        ...errorsSeen.map(everythingIn),
        ...logged,
        ...[rotating, nonRotating, lenient].map((server) => JSON.stringify(server.requests)),
      ];
      for (const haystack of haystacks) {
        for (const secret of secretsSeen) expect(haystack).not.toContain(secret);
      }
    });
  });
});
