import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { readCurrentBaseline } from './read-current.js';
import { encodeBaselinePayload } from './secret-payload.js';
import type { MintedToken, ServedToken, Strategy, StrategyContext } from './types.js';

/**
 * Everything the locked strategy does inside one process — a jittered refresh point in the refresh
 * window, single flight, still-valid tokens served while a refresh runs, re-reading the secret
 * before calling the identity provider — but no lease between processes. The difference between
 * this and `locked` is what the lease buys. Under a rotating provider it keeps the refresh token in the
 * same secret, re-read before each refresh, and presents the one it last saw.
 *
 * @example
 * ```ts
 * const strategy = createInProcessStrategy(context);
 * const { token, source } = await strategy.getToken();
 * ```
 */
export function createInProcessStrategy(context: StrategyContext): Strategy {
  let cached: { minted: MintedToken; refreshAt: number } | undefined;
  let flight: Promise<ServedToken> | undefined;
  /** The refresh token this process last saw, in the secret or in an answer. */
  let refreshToken: string | undefined;

  const adopt = (minted: MintedToken): MintedToken => {
    const windowStart = minted.expiresAt - context.refreshWindowMs;
    const spread = Math.max(0, context.refreshWindowMs - context.minValidityMs);
    cached = { minted, refreshAt: windowStart + context.random() * spread };
    return minted;
  };
  const usable = (minted: MintedToken): boolean => minted.expiresAt - context.now() > context.minValidityMs;

  const refresh = async (): Promise<ServedToken> => {
    const { minted: stored, refreshToken: storedRefreshToken } = await readCurrentBaseline(context.secretsManager, context.secretId);
    refreshToken = storedRefreshToken ?? refreshToken;
    if (stored !== undefined && (cached === undefined || stored.expiresAt > cached.minted.expiresAt)) {
      adopt(stored);
      if (context.now() < (cached?.refreshAt ?? 0)) return { token: stored.token, source: 'secret' };
    }
    const answer = await context.callIdentityProvider(undefined, context.idp === 'rotating' ? refreshToken : undefined);
    refreshToken = answer.refreshToken ?? refreshToken;
    const minted = { token: answer.token, expiresAt: answer.expiresAt };
    // In another Region than the secret's primary, the replica here refuses writes: write the primary.
    await (context.primarySecretsManager ?? context.secretsManager).send(
      new PutSecretValueCommand({ SecretId: context.secretId, SecretString: encodeBaselinePayload(minted, answer.refreshToken) }),
    );
    adopt(minted);
    return { token: minted.token, source: 'refreshed' };
  };

  return {
    async getToken(): Promise<ServedToken> {
      const current = cached;
      if (current !== undefined && context.now() < current.refreshAt) return { token: current.minted.token, source: 'memory' };
      flight ??= refresh().finally(() => {
        flight = undefined;
      });
      if (current !== undefined && usable(current.minted)) {
        // Serve the still-valid token; the refresh goes on for whoever needs it next.
        flight.catch(() => undefined);
        return { token: current.minted.token, source: 'memory' };
      }
      return flight;
    },
    async close() {
      await flight?.catch(() => undefined);
    },
  };
}
