import type { MintedToken } from './types.js';

/**
 * The secret format of the two baseline strategies: the plain `{token, expiresAt}` JSON that the
 * blog-post pattern stores — under a rotating provider with the refresh token beside it, in the same
 * secret, as such code keeps it. (The locked strategy uses the library's own envelope, and keeps the
 * refresh token in a state secret of its own.)
 */
export function encodeBaselinePayload(minted: MintedToken, refreshToken?: string): string {
  return JSON.stringify({ token: minted.token, expiresAt: minted.expiresAt, ...(refreshToken === undefined ? {} : { refreshToken }) });
}

/** The seeded baseline secret of a rotating run: a refresh token and no access token yet. */
export function encodeBaselineSeed(refreshToken: string): string {
  return JSON.stringify({ refreshToken });
}

/** What a baseline secret holds: the token (when there is one yet) and the refresh token (when rotating). */
export interface BaselineSecret {
  minted: MintedToken | undefined;
  refreshToken: string | undefined;
}

/** The stored token, or `undefined` when the secret holds something else. */
export function decodeBaselinePayload(secretString: string | undefined): MintedToken | undefined {
  return decodeBaselineSecret(secretString).minted;
}

/** The stored token and refresh token, each `undefined` when absent. */
export function decodeBaselineSecret(secretString: string | undefined): BaselineSecret {
  if (secretString === undefined) return { minted: undefined, refreshToken: undefined };
  try {
    const parsed = JSON.parse(secretString) as Partial<MintedToken> & { refreshToken?: unknown };
    const refreshToken = typeof parsed.refreshToken === 'string' ? parsed.refreshToken : undefined;
    if (typeof parsed.token !== 'string' || typeof parsed.expiresAt !== 'number') return { minted: undefined, refreshToken };
    return { minted: { token: parsed.token, expiresAt: parsed.expiresAt }, refreshToken };
  } catch {
    return { minted: undefined, refreshToken: undefined };
  }
}
