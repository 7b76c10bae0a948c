import type { MintedToken } from './types.js';

/**
 * The secret format of the two baseline strategies: the plain `{token, expiresAt}` JSON that the
 * blog-post pattern stores. (The locked strategy uses the library's own envelope.)
 */
export function encodeBaselinePayload(minted: MintedToken): string {
  return JSON.stringify({ token: minted.token, expiresAt: minted.expiresAt });
}

/** The stored token, or `undefined` when the secret holds something else. */
export function decodeBaselinePayload(secretString: string | undefined): MintedToken | undefined {
  if (secretString === undefined) return undefined;
  try {
    const parsed = JSON.parse(secretString) as Partial<MintedToken>;
    if (typeof parsed.token !== 'string' || typeof parsed.expiresAt !== 'number') return undefined;
    return { token: parsed.token, expiresAt: parsed.expiresAt };
  } catch {
    return undefined;
  }
}
