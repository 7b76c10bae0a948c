import { SecretsManagerServiceError } from './errors.js';

/**
 * Opaque `NextToken`s: base64url JSON naming the listing they belong to and a position in it, so
 * a token from another listing (or a made-up one) is rejected instead of silently misread.
 */
export function encodePageToken(listing: string, position: number): string {
  return Buffer.from(JSON.stringify({ l: listing, p: position })).toString('base64url');
}

/** The position in `listing` that `token` encodes; `InvalidNextTokenException` if it is not one of ours. */
export function decodePageToken(token: string, listing: string): number {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const position = (decoded as { l?: unknown; p?: unknown } | undefined)?.p;
  if ((decoded as { l?: unknown } | undefined)?.l !== listing || !Number.isSafeInteger(position) || (position as number) < 0) {
    // AWS's text for a bad token is not recorded; the code is the modelled one (SM-LSV-3).
    throw new SecretsManagerServiceError('InvalidNextTokenException', 'The NextToken value is not valid for this request.');
  }
  return position as number;
}
