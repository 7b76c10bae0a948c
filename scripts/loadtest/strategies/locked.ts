import { TokenRefresher } from '../../../src/index.js';
import type { ServedToken, Strategy, StrategyContext } from './types.js';

/**
 * Ours: the real {@link TokenRefresher}, with the lease in DynamoDB and the token in Secrets
 * Manager, on the same clients (so the same counters) and the same identity provider as the
 * baselines.
 *
 * @example
 * ```ts
 * const strategy = createLockedStrategy(context);
 * const { token, source } = await strategy.getToken();
 * ```
 */
export function createLockedStrategy(context: StrategyContext): Strategy {
  const refresher = createLockedRefresher(context);
  return {
    async getToken(): Promise<ServedToken> {
      const result = await refresher.getToken();
      return { token: result.token, source: result.source };
    },
    close: () => refresher.close(),
  };
}

/** The locked strategy's refresher, reporting its events to the load test. */
export function createLockedRefresher(context: StrategyContext): TokenRefresher {
  return new TokenRefresher({
    secretId: context.secretId,
    refresh: async ({ signal }) => {
      const minted = await context.callIdentityProvider(signal);
      return { token: minted.token, expiresAt: minted.expiresAt };
    },
    leaseMs: context.leaseMs,
    pollMs: context.pollMs,
    refreshWindowMs: context.refreshWindowMs,
    minValidityMs: context.minValidityMs,
    expectedLifetimeMs: context.lifetimeMs,
    secretsManager: context.secretsManager,
    random: context.random,
    ...(context.clock === undefined ? {} : { clock: context.clock }),
    ...(context.primaryRegion === undefined
      ? {}
      : {
          primaryRegion: context.primaryRegion,
          ...(context.primarySecretsManager === undefined ? {} : { primarySecretsManager: context.primarySecretsManager }),
          ...(context.replicationLagMs === undefined ? {} : { replicationLagMs: context.replicationLagMs }),
        }),
    ...(context.lock === undefined ? { lockTable: context.lockTable, dynamodb: context.dynamodb } : { lock: context.lock }),
    onEvent(event) {
      const at = context.now();
      switch (event.type) {
        case 'served':
          return;
        case 'waited':
          context.report({ kind: 'waited', at, durationMs: event.durationMs });
          return;
        case 'took-over':
        case 'rollback-prevented':
          context.report({ kind: event.type, at });
          return;
        default:
          context.report({ kind: 'event', at, type: event.type });
      }
    },
  });
}
