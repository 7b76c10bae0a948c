import { callTokenIssuer } from './idp-client.js';
import type { TokenIssuer } from './token-issuer.js';

/** The worker number the issuer records for the leaked copy's call: no worker process has it. */
export const LEAKED_COPY_CALLER = -1;
const WATCH_EVERY_MS = 20;

/**
 * The test-only seam `replaySeededRefreshToken`: once the fleet has rotated the grant's first
 * refresh token, someone else presents that same token again, as a leaked copy (an old backup, a
 * second deployment seeded with it) would. The provider treats it as reuse and revokes the grant, so
 * the run's check must fail: it shows that `--check` can fail. Never set in a real run.
 *
 * @example
 * ```ts
 * const leak = replayAfterFirstRotation(issuer, seededRefreshToken);
 * // … run …
 * leak.stop();
 * ```
 */
export function replayAfterFirstRotation(issuer: TokenIssuer, seededRefreshToken: string): { stop(): void } {
  let replayed = false;
  const timer = setInterval(() => {
    if (replayed || !issuer.mints.some((mint) => mint.rotated === true && mint.presentedFrom === 0)) return;
    replayed = true;
    clearInterval(timer);
    // The refusal is the point; the copy's caller has nothing to do with the answer.
    void callTokenIssuer(issuer.url, LEAKED_COPY_CALLER, undefined, seededRefreshToken).catch(() => undefined);
  }, WATCH_EVERY_MS);
  return { stop: () => clearInterval(timer) };
}
