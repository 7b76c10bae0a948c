import { NOTHING_READ, type Intent, type Obtained, type ProtocolContext } from './protocol-context.js';

/**
 * DESIGN.md §3 steps 3 to 5, entered here. A process with no token to fall back on and no back-off
 * known (every cold start) reads the secret first, and adopts a fresh token found there: that is all
 * a reader runs, so it is all that loads at import. Anything else — the lock-first check of a due
 * token, the lease, following a holder, backing off — is `contend` in `contention.ts`, loaded (with the
 * lock's code, `lease-path.ts`) by the first call that needs it, going on from this read.
 */
export async function obtain(context: ProtocolContext, intent: Intent): Promise<Obtained> {
  if (context.fallback(NOTHING_READ, intent) !== undefined || context.cache.activeBackoff() !== undefined) {
    return (await import('./lease-path.js')).contend(context, intent);
  }
  const current = await context.readCurrent();
  if (current.found && context.cache.isFresh(current.known, intent.mustReplace)) return context.adopt(current.known, 'secret');
  return (await import('./lease-path.js')).contend(context, intent, current);
}
