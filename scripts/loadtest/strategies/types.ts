import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Clock, RefreshLock } from '../../../src/index.js';

/** Where a served token came from, in the refresher's own terms. */
export type TokenSource = 'memory' | 'secret' | 'refreshed';

/** What one `getToken()` call of any strategy returns to a load-test caller. */
export interface ServedToken {
  token: string;
  source: TokenSource;
}

/** The names of the strategies the load test compares on one workload. */
export const STRATEGY_NAMES = ['naive', 'in-process', 'locked'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** Something that happened inside a worker's strategy, for the report and the chart. */
export type StrategyActivity =
  | { kind: 'idp-call-started'; at: number }
  | { kind: 'idp-call-ended'; at: number; ok: boolean }
  | { kind: 'waited'; at: number; durationMs: number }
  | { kind: 'took-over'; at: number }
  | { kind: 'rollback-prevented'; at: number }
  | { kind: 'event'; at: number; type: string };

/** A fresh token from the identity provider. */
export interface MintedToken {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** What the identity provider answered: the token and, from a rotating provider, the next refresh token. */
export interface IdpAnswer extends MintedToken {
  refreshToken?: string;
}

/**
 * The identity provider's rule for refresh tokens: `plain` mints a token on every call; `rotating`
 * wants a refresh token, answers with the next one and revokes the grant when a used one comes
 * back (oidc-provider's rule).
 */
export const IDP_KINDS = ['plain', 'rotating'] as const;
export type IdpKind = (typeof IDP_KINDS)[number];

/** What every strategy is built from: the same clients, the same IdP, the same timing. */
export interface StrategyContext {
  secretId: string;
  lockTable: string;
  lifetimeMs: number;
  leaseMs: number;
  /** How often a contender of the locked strategy polls the lease. */
  pollMs: number;
  /** Minimum remaining validity a served token should have (the locked strategy enforces it). */
  minValidityMs: number;
  /** Length of the refresh window at the end of a token's life. */
  refreshWindowMs: number;
  secretsManager: SecretsManagerClient;
  dynamodb: DynamoDBClient;
  /** Calls the identity provider; a rotating one needs the refresh token to present. */
  callIdentityProvider(signal?: AbortSignal, refreshToken?: string): Promise<IdpAnswer>;
  /** The identity provider's refresh-token rule; `plain` when absent. */
  idp?: IdpKind;
  /** The locked strategy's state secret (`stateSecretId`) under a rotating provider. */
  stateSecretId?: string;
  report(activity: StrategyActivity): void;
  random: () => number;
  /** Wall-clock epoch ms: `Date.now` in a worker process, virtual time in the fleet simulation. */
  now(): number;
  /** The clock the locked strategy's refresher runs on; real time when absent. */
  clock?: Clock;
  /** A lock for the locked strategy instead of one over `dynamodb` (the simulation's in-memory lock). */
  lock?: RefreshLock;
  /**
   * Several Regions: the secret's primary Region when this process runs in another one. The
   * locked strategy's refresher then reads `secretsManager` (this Region's replica) and writes
   * through `primarySecretsManager`; the baselines, given only `primarySecretsManager`, read the
   * replica and write the primary.
   */
  primaryRegion?: string;
  primarySecretsManager?: SecretsManagerClient;
  /** The replication lag the locked strategy's refresher is told to expect (with `primaryRegion`). */
  replicationLagMs?: number;
  /** The locked strategy's callers read through the Agent API of an extension in this process, as a Python or Java function would. */
  extensionClient?: boolean;
}

/** One way of getting a shared token, run by every caller of a worker process. */
export interface Strategy {
  getToken(): Promise<ServedToken>;
  close(): Promise<void>;
}
