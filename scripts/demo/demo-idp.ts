import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { seedState, type RefreshFunction } from '../../src/index.js';
import { oauth2ClientCredentials, oauth2RefreshToken } from '../../src/sources/index.js';
import { startOAuthServer, type OAuthServer } from '../../devkit/oauth-server.js';
import type { GrantOutcome } from '../loadtest/run-result.js';

/** The demo's identity providers: `plain` mints a token per call; `rotating` rotates refresh tokens and revokes the grant on reuse. */
export const DEMO_IDP_KINDS = ['plain', 'rotating'] as const;
export type DemoIdpKind = (typeof DEMO_IDP_KINDS)[number];

const CLIENT = { clientId: 'demo-client', clientSecret: 'demo-client-secret' };

/** The OAuth 2.0 server of a demo run and what the fleet's refresh function needs of it. */
export interface DemoIdp {
  kind: DemoIdpKind;
  tokenUrl: string;
  refresh: RefreshFunction;
  /** Rotating: the secret that keeps the refresh token, seeded before the fleet starts. */
  stateSecretId: string | undefined;
  /** One line for the terminal: what the server does. */
  description: string;
  /** Token requests the fleet made: the one-off authorization of a rotating grant is not the fleet's. */
  fleetRequests(): number;
  /** Rotating: what became of the grant so far (counts only, never a token); `undefined` for plain. */
  grant(startedAt: number): GrantOutcome | undefined;
  close(): Promise<void>;
}

/**
 * Starts the demo's OAuth 2.0 server (oidc-provider, devkit/). `plain`: the client credentials
 * grant, a new token per call. `rotating`: the refresh token grant with `rotateRefreshToken`, as
 * Okta, Auth0 or Xero run it — a person authorizes once (the code flow, done here at once), the first
 * refresh token is seeded into the state secret with `seedState` (what `token-refresher seed-state`
 * does), and from then on every refresh consumes the refresh token it presents; presenting one twice
 * would revoke the grant, which is what the demo shows does not happen.
 *
 * @example
 * ```ts
 * const idp = await startDemoIdp('rotating', { lifetimeSeconds: 20, secretId, lockTable, secretsManager, dynamodb });
 * startDemoFleet({ refresh: idp.refresh, stateSecretId: idp.stateSecretId, … });
 * ```
 */
export async function startDemoIdp(
  kind: DemoIdpKind,
  setup: { lifetimeSeconds: number; secretId: string; lockTable: string; secretsManager: SecretsManagerClient; dynamodb: DynamoDBClient },
): Promise<DemoIdp> {
  const rotating = kind === 'rotating';
  const oauth = await startOAuthServer({
    clients: [{ ...CLIENT, offlineAccess: rotating }],
    accessTokenTtlSeconds: setup.lifetimeSeconds,
    ...(rotating ? { refreshTokens: { rotate: true } } : {}),
  });
  if (!rotating) {
    return {
      kind,
      tokenUrl: oauth.tokenUrl,
      refresh: oauth2ClientCredentials({ tokenUrl: oauth.tokenUrl, ...CLIENT }),
      stateSecretId: undefined,
      description: `OAuth 2.0 server at ${oauth.tokenUrl} minting ${setup.lifetimeSeconds}-second tokens (client credentials grant).`,
      fleetRequests: () => oauth.stats.tokenRequests,
      grant: () => undefined,
      close: () => oauth.close(),
    };
  }
  const stateSecretId = `${setup.secretId}-state`;
  const authorization = await oauth.authorize(CLIENT);
  await seedState({
    secretId: setup.secretId,
    stateSecretId,
    lockTable: setup.lockTable,
    secretsManager: setup.secretsManager,
    dynamodb: setup.dynamodb,
    state: { refreshToken: authorization.refreshToken },
  });
  const before = oauth.stats.tokenRequests;
  const watch = revocationWatch(oauth);
  return {
    kind,
    tokenUrl: oauth.tokenUrl,
    refresh: oauth2RefreshToken({ tokenUrl: oauth.tokenUrl, ...CLIENT }),
    stateSecretId,
    description:
      `OAuth 2.0 server at ${oauth.tokenUrl} minting ${setup.lifetimeSeconds}-second tokens by the refresh token grant, ` +
      `rotating refresh tokens (a reused one revokes the grant); the first one was seeded into "${stateSecretId}".`,
    fleetRequests: () => oauth.stats.tokenRequests - before,
    grant: (startedAt) => grantOutcome(oauth, watch.revokedAt(), startedAt),
    async close() {
      watch.stop();
      await oauth.close();
    },
  };
}

/**
 * The server counts revocations but keeps no time for them: a watch notes when the count first
 * moved, to within its interval — enough to place it on the demo's chart.
 */
function revocationWatch(oauth: OAuthServer): { revokedAt(): number | undefined; stop(): void } {
  let revokedAt: number | undefined;
  const timer = setInterval(() => {
    if (revokedAt === undefined && oauth.stats.grantsRevoked > 0) revokedAt = Date.now();
  }, 100);
  timer.unref();
  return { revokedAt: () => revokedAt, stop: () => clearInterval(timer) };
}

function grantOutcome(oauth: OAuthServer, revokedAt: number | undefined, startedAt: number): GrantOutcome {
  const refreshes = oauth.requests.filter((request) => request.grantType === 'refresh_token');
  return {
    revokedAtMs: oauth.stats.grantsRevoked === 0 ? null : (revokedAt ?? Date.now()) - startedAt,
    revokedByWorker: null,
    invalidGrants: refreshes.filter((request) => request.error === 'invalid_grant').length,
    // The authorization's refresh token, and one more per successful refresh.
    refreshTokensIssued: 1 + refreshes.filter((request) => request.status === 200).length,
    stateLostAtCallers: 0,
  };
}
