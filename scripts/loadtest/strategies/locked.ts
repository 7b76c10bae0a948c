import { RefreshStateRejectedError, TokenRefresher, type RefreshFunction } from '../../../src/index.js';
import { InvalidGrantError } from '../idp-client.js';
import type { ServedToken, Strategy, StrategyContext } from './types.js';

/**
 * Ours: the real {@link TokenRefresher}, with the lease in DynamoDB and the token in Secrets
 * Manager, on the same clients (so the same counters) and the same identity provider as the
 * baselines. Under a rotating provider the refresh token is the refresher's private state, kept in
 * the state secret (`stateSecretId`) and handed to each refresh as `context.state`.
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
  const rotating = context.idp === 'rotating';
  if (rotating && context.stateSecretId === undefined)
    throw new Error('A rotating identity provider needs the strategy context to name stateSecretId.');
  return new TokenRefresher({
    secretId: context.secretId,
    refresh: rotating ? rotatingRefresh(context) : plainRefresh(context),
    ...(rotating ? { stateSecretId: context.stateSecretId } : {}),
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

function plainRefresh(context: StrategyContext): RefreshFunction {
  return async ({ signal }) => {
    const minted = await context.callIdentityProvider(signal);
    return { token: minted.token, expiresAt: minted.expiresAt };
  };
}

/**
 * A refresh by the `refresh_token` grant: present the refresh token of the committed state, keep the
 * one the answer carries; `invalid_grant` is a refusal of the state, which the refresher turns into
 * `RefreshStateLostError` for the whole fleet.
 */
export function rotatingRefresh(context: Pick<StrategyContext, 'callIdentityProvider'>): RefreshFunction {
  return async ({ signal, state }) => {
    const presented = state?.refreshToken;
    if (presented === undefined) throw new Error('No refresh token in the refresh state: seed it before the fleet starts.');
    try {
      const answer = await context.callIdentityProvider(signal, presented);
      if (answer.refreshToken === undefined) throw new Error('The rotating identity provider answered without a refresh token.');
      return { token: answer.token, expiresAt: answer.expiresAt, state: { refreshToken: answer.refreshToken } };
    } catch (error) {
      if (error instanceof InvalidGrantError) throw new RefreshStateRejectedError(error.message, { cause: error });
      throw error;
    }
  };
}
