import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/index.js';
import { callTokenIssuer, IdentityProviderError, InvalidGrantError } from '../../../scripts/loadtest/idp-client.js';
import { decodeIssuedToken } from '../../../scripts/loadtest/issued-token.js';
import { startTokenIssuer, type InterceptDecision, type TokenIssuer } from '../../../scripts/loadtest/token-issuer.js';
import { ManualClock } from '../../support/manual-clock.js';

let issuer: TokenIssuer | undefined;
afterEach(async () => {
  await issuer?.close();
  issuer = undefined;
});

describe('Function: startTokenIssuer', () => {
  it('numbers every call in order of arrival and mints tokens of the configured lifetime', async () => {
    const clock = new ManualClock(1_000_000);
    issuer = await startTokenIssuer({ lifetimeMs: 5_000, now: () => clock.now() });
    const first = await callTokenIssuer(issuer.url, 3);
    clock.advance(10);
    const second = await callTokenIssuer(issuer.url, 4);
    expect(decodeIssuedToken(first.token)).toEqual({ seq: 1, exp: 1_005_000 });
    expect(decodeIssuedToken(second.token)).toEqual({ seq: 2, exp: 1_005_010 });
    expect(first.expiresAt).toBe(1_005_000);
    expect(issuer.mints.map(({ seq, worker, outcome }) => ({ seq, worker, outcome }))).toEqual([
      { seq: 1, worker: 3, outcome: 'minted' },
      { seq: 2, worker: 4, outcome: 'minted' },
    ]);
  });

  it('fails the first calls of every refresh round with HTTP 503, and the rest of the round not', async () => {
    const clock = new ManualClock(0);
    issuer = await startTokenIssuer({ lifetimeMs: 5_000, errorBursts: { calls: 2, roundGapMs: 1_000 }, now: () => clock.now() });
    await expect(callTokenIssuer(issuer.url, 0)).rejects.toBeInstanceOf(IdentityProviderError);
    clock.advance(400); // t = 400
    await expect(callTokenIssuer(issuer.url, 1)).rejects.toThrow('HTTP 503');
    clock.advance(500); // t = 900
    await expect(callTokenIssuer(issuer.url, 0)).resolves.toMatchObject({ expiresAt: 5_900 });
    clock.advance(200); // t = 1 100
    await expect(callTokenIssuer(issuer.url, 2)).rejects.toThrow('HTTP 503');
    expect(issuer.mints.map((mint) => mint.outcome)).toEqual(['failed', 'failed', 'minted', 'failed']);
  });

  it('holds an intercepted call until the fault decides, with claims fixed at arrival', async () => {
    const clock = new ManualClock(0);
    let release: ((decision: InterceptDecision) => void) | undefined;
    issuer = await startTokenIssuer({ lifetimeMs: 5_000, now: () => clock.now() });
    issuer.configure({ intercept: () => new Promise((resolve) => (release = resolve)) });
    const held = callTokenIssuer(issuer.url, 1);
    await new Promise<void>((resolve) => {
      const poll = (): void => (release === undefined ? void setImmediate(poll) : resolve());
      poll();
    });
    expect(issuer.mints[0]?.outcome).toBe('held');
    clock.advance(9_999);
    release?.('answer');
    expect(decodeIssuedToken((await held).token)).toEqual({ seq: 1, exp: 5_000 });
  });

  it('drops the connection of an abandoned call, as a killed holder would see it', async () => {
    issuer = await startTokenIssuer({ lifetimeMs: 5_000 });
    issuer.configure({ intercept: () => Promise.resolve('abandon') });
    await expect(callTokenIssuer(issuer.url, 1)).rejects.toThrow();
    expect(issuer.mints[0]?.outcome).toBe('abandoned');
  });

  it("rotates refresh tokens by oidc-provider's rule: each valid once, a reused one revokes the grant for every token of it", async () => {
    const clock = new ManualClock(0);
    issuer = await startTokenIssuer({ lifetimeMs: 5_000, rotating: true, now: () => clock.now() });
    const seeded = issuer.authorize();
    expect(() => issuer?.authorize()).toThrow(ConfigurationError);
    const first = await callTokenIssuer(issuer.url, 0, undefined, seeded);
    expect(first.refreshToken).toMatch(/^rt1\./);
    const second = await callTokenIssuer(issuer.url, 1, undefined, first.refreshToken);
    expect(issuer.grant.revokedAt).toBeUndefined();
    clock.advance(100);
    // The first refresh token again: theft, as far as the provider can tell.
    await expect(callTokenIssuer(issuer.url, 2, undefined, seeded)).rejects.toBeInstanceOf(InvalidGrantError);
    expect(issuer.grant).toMatchObject({ revokedAt: 100, revokedBySeq: 3, invalidGrants: 1, refreshTokensIssued: 3 });
    // Even the newest, never used refresh token is refused from now on.
    await expect(callTokenIssuer(issuer.url, 1, undefined, second.refreshToken)).rejects.toBeInstanceOf(InvalidGrantError);
    await expect(callTokenIssuer(issuer.url, 1)).rejects.toThrow('HTTP 400');
    expect(issuer.mints.map(({ outcome, presentedFrom, error, revokedGrant }) => ({ outcome, presentedFrom, error, revokedGrant }))).toEqual([
      { outcome: 'minted', presentedFrom: 0, error: undefined, revokedGrant: undefined },
      { outcome: 'minted', presentedFrom: 1, error: undefined, revokedGrant: undefined },
      { outcome: 'rejected', presentedFrom: 0, error: 'invalid_grant', revokedGrant: true },
      { outcome: 'rejected', presentedFrom: 2, error: 'invalid_grant', revokedGrant: undefined },
      { outcome: 'rejected', presentedFrom: undefined, error: 'invalid_request', revokedGrant: undefined },
    ]);
    expect(issuer.grant.invalidGrants).toBe(2);
  });

  it('consumes a refresh token it handled even when the caller is gone, and none it never handled', async () => {
    issuer = await startTokenIssuer({ lifetimeMs: 5_000, rotating: true });
    const seeded = issuer.authorize();
    const controller = new AbortController();
    issuer.configure({
      intercept: async (): Promise<InterceptDecision> => {
        controller.abort();
        await new Promise((resolve) => setTimeout(resolve, 20));
        return 'answer';
      },
    });
    await expect(callTokenIssuer(issuer.url, 0, controller.signal, seeded)).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(issuer.mints[0]).toMatchObject({ outcome: 'abandoned', rotated: true });
    issuer.configure({ intercept: () => Promise.resolve('abandon') });
    await expect(callTokenIssuer(issuer.url, 0, undefined, seeded)).rejects.toThrow();
    expect(issuer.mints[1]).toMatchObject({ outcome: 'abandoned' });
    expect(issuer.mints[1]?.rotated).toBeUndefined();
    issuer.configure({ intercept: undefined });
    await expect(callTokenIssuer(issuer.url, 0, undefined, seeded)).rejects.toBeInstanceOf(InvalidGrantError);
    expect(issuer.grant.revokedBySeq).toBe(3);
  });

  it('refuses settings that cannot work, naming the option', async () => {
    await expect(startTokenIssuer({ lifetimeMs: 0 })).rejects.toThrow(ConfigurationError);
    await expect(startTokenIssuer({ lifetimeMs: 1_000, errorBursts: { calls: 0, roundGapMs: 100 } })).rejects.toThrow(/errorBursts/);
    await expect(startTokenIssuer({ lifetimeMs: 1_000, latencyMs: -1 })).rejects.toThrow(/latencyMs/);
  });
});
