import { RefreshStateRejectedError, type RefreshFunction } from '../../src/refresher/index.js';

/**
 * An in-process model of an OAuth server that rotates refresh tokens (RFC 6749 §6, RFC 9700 §4.14),
 * with oidc-provider's rule: each refresh token works once; presenting a used one revokes the whole
 * grant, after which every refresh token of it is refused. `graceMs` models Okta's and Auth0's reuse
 * grace period: the refresh token just replaced is accepted once more within it.
 */
export interface RotatingGrant {
  /** A person authorized: a new grant, and its first refresh token. */
  authorize(): string;
  /** The refresh_token grant. Throws {@link RefreshStateRejectedError} as a client would on `invalid_grant`. */
  refresh(refreshToken: string | undefined): { accessToken: string; refreshToken: string; expiresAt: number };
  /** Refresh requests received, refused ones included. */
  readonly calls: number;
  /** Requests refused with `invalid_grant`. */
  readonly refused: number;
  /** When the grant was revoked for a reuse (clock time), if it was. */
  readonly revokedAt: number | undefined;
  /** Every access and refresh token issued, for leak scans. */
  readonly issued: readonly string[];
}

export function rotatingGrant(options: { clock: { now(): number }; lifetimeMs: number; graceMs?: number }): RotatingGrant {
  const { clock, lifetimeMs, graceMs = 0 } = options;
  const issued: string[] = [];
  let grant = 0;
  let current: string | undefined;
  let replaced: { token: string; at: number } | undefined;
  let revokedAt: number | undefined;
  let calls = 0;
  let refused = 0;
  const mint = (kind: string): string => {
    const value = `${kind}-g${grant}-${issued.length + 1}-${Math.random().toString(36).slice(2)}`;
    issued.push(value);
    return value;
  };
  const refuse = (why: string): never => {
    refused += 1;
    throw new RefreshStateRejectedError(`invalid_grant: ${why}`);
  };
  return {
    authorize() {
      grant += 1;
      revokedAt = undefined;
      replaced = undefined;
      current = mint('rt');
      return current;
    },
    refresh(refreshToken) {
      calls += 1;
      if (revokedAt !== undefined) return refuse('grant revoked');
      const withinGrace = replaced !== undefined && refreshToken === replaced.token && clock.now() - replaced.at <= graceMs;
      if (refreshToken !== current && !withinGrace) {
        if (issued.includes(refreshToken ?? '')) revokedAt = clock.now(); // a used token: theft, as oidc-provider sees it
        return refuse(revokedAt === undefined ? 'unknown refresh token' : 'refresh token already used');
      }
      replaced = withinGrace ? undefined : { token: current ?? '', at: clock.now() };
      current = mint('rt');
      return { accessToken: mint('at'), refreshToken: current, expiresAt: clock.now() + lifetimeMs };
    },
    get calls() {
      return calls;
    },
    get refused() {
      return refused;
    },
    get revokedAt() {
      return revokedAt;
    },
    issued,
  };
}

/** A refresh function over the grant, keeping the rotating refresh token as `state.refreshToken`. */
export function refreshWithGrant(grant: RotatingGrant): RefreshFunction {
  return ({ state }) => {
    const answer = grant.refresh(state?.refreshToken);
    return { token: answer.accessToken, expiresAt: answer.expiresAt, state: { refreshToken: answer.refreshToken } };
  };
}
