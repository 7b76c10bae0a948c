import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { readCurrentBaseline } from './read-current.js';
import { encodeBaselinePayload } from './secret-payload.js';
import type { MintedToken, ServedToken, Strategy, StrategyContext } from './types.js';

/**
 * The widely copied blog-post pattern: cache the token in a module variable; when it is about to
 * expire, read the secret; when that one is expiring too, call the identity provider and
 * `PutSecretValue` the new token. Written for one request at a time (as in a Lambda environment),
 * so it has no single flight: every caller that finds the token expiring does all of it. Under a
 * rotating provider it keeps the refresh token in the same secret and presents the one it last saw.
 *
 * @example
 * ```ts
 * const strategy = createNaiveStrategy(context);
 * const { token } = await strategy.getToken();
 * ```
 */
export function createNaiveStrategy(context: StrategyContext): Strategy {
  let cached: MintedToken | undefined;
  /** The refresh token this process last saw, in the secret or in an answer. */
  let refreshToken: string | undefined;
  const fresh = (token: MintedToken | undefined): token is MintedToken =>
    token !== undefined && token.expiresAt - context.now() > context.minValidityMs;

  return {
    async getToken(): Promise<ServedToken> {
      if (fresh(cached)) return { token: cached.token, source: 'memory' };
      const stored = await readCurrentBaseline(context.secretsManager, context.secretId);
      refreshToken = stored.refreshToken ?? refreshToken;
      if (fresh(stored.minted)) {
        cached = stored.minted;
        return { token: stored.minted.token, source: 'secret' };
      }
      const minted = await context.callIdentityProvider(undefined, context.idp === 'rotating' ? refreshToken : undefined);
      refreshToken = minted.refreshToken ?? refreshToken;
      // In another Region than the secret's primary, the replica here refuses writes: write the primary.
      await (context.primarySecretsManager ?? context.secretsManager).send(
        new PutSecretValueCommand({ SecretId: context.secretId, SecretString: encodeBaselinePayload(minted, minted.refreshToken) }),
      );
      cached = { token: minted.token, expiresAt: minted.expiresAt };
      return { token: minted.token, source: 'refreshed' };
    },
    async close() {},
  };
}
