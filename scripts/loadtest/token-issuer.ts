import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationError } from '../../src/index.js';
import { encodeIssuedToken } from './issued-token.js';

/** The header a worker sends so the issuer knows who is calling (for the chart and the faults). */
export const WORKER_HEADER = 'x-loadtest-worker';

/** One IdP call as the issuer saw it. Never holds the token. */
export interface MintRecord {
  seq: number;
  worker: number;
  receivedAt: number;
  /** When the answer left; absent while held or when the caller vanished. */
  answeredAt?: number;
  outcome: 'minted' | 'failed' | 'held' | 'abandoned' | 'rejected';
  /**
   * Rotating provider only: which refresh token the call presented, named by the `seq` of the call
   * that issued it (0: the grant's first refresh token, the one seeded); absent when it presented
   * none or one this provider never issued.
   */
  presentedFrom?: number;
  /** Rotating provider only: the OAuth error of a refused call (`invalid_grant`, `invalid_request`). */
  error?: 'invalid_grant' | 'invalid_request';
  /** Rotating provider only: this call presented an already used refresh token, and so revoked the grant. */
  revokedGrant?: boolean;
  /**
   * Rotating provider only: the provider consumed the presented refresh token and issued the next
   * one — also when the caller was gone by then (a provider does not ask whether its answer arrives).
   */
  rotated?: boolean;
}

/**
 * The grant of a rotating provider, as the load test may see it: counts and times, never a token.
 * oidc-provider's rule: every refresh token is valid once; presenting a used one is treated as theft
 * and revokes the grant, so every later refresh with any of its tokens fails `invalid_grant`.
 */
export interface GrantView {
  /** Refresh tokens issued, the first (seeded) one included. */
  refreshTokensIssued: number;
  /** Epoch ms at which a reused refresh token revoked the grant; undefined while it stands. */
  revokedAt: number | undefined;
  /** The call whose reuse revoked it. */
  revokedBySeq: number | undefined;
  /** Calls refused with `invalid_grant` (the one that revoked the grant included). */
  invalidGrants: number;
}

/** What a fault hook decides for one request it intercepted. */
export type InterceptDecision = 'answer' | 'abandon';

/** Options for {@link startTokenIssuer}. */
export interface TokenIssuerOptions {
  /** Lifetime of every minted token in milliseconds. */
  lifetimeMs: number;
  /** Added delay before every answer (a slow identity provider). Default 0. */
  latencyMs?: number;
  /**
   * Error bursts: the first `calls` requests of every refresh round get HTTP 503. A round starts
   * with a request that arrives more than `roundGapMs` after the previous round started, so the
   * burst hits whoever refreshes first, every generation. Default: none.
   */
  errorBursts?: { calls: number; roundGapMs: number };
  /**
   * Called for each request before it is answered; the answer waits for the returned promise.
   * The load test uses it to freeze or kill a holder while its IdP call is in flight.
   */
  intercept?: (record: MintRecord) => Promise<InterceptDecision> | undefined;
  /** Wall clock in epoch ms. Default `Date.now`. */
  now?: () => number;
  /**
   * Rotating refresh tokens, by oidc-provider's rule: a call must present a refresh token
   * (`grant_type=refresh_token`); each one is valid once and its answer carries the next one; a
   * used one revokes the whole grant. The first refresh token comes from
   * {@link TokenIssuer.authorize}. Default false: any call gets a token.
   */
  rotating?: boolean;
}

/** A running token issuer. */
export interface TokenIssuer {
  /** `http://127.0.0.1:port/token`. */
  url: string;
  /** Every call received, in order. */
  readonly mints: readonly MintRecord[];
  /** Whether refresh tokens rotate ({@link TokenIssuerOptions.rotating}). */
  readonly rotating: boolean;
  /** The grant's state (rotating only; counts stay 0 otherwise). */
  readonly grant: Readonly<GrantView>;
  /**
   * What a person does once before the fleet starts: authorizes, and gets the grant's first refresh
   * token, to be seeded into the fleet's state. Rotating only; a second call is refused (one grant).
   */
  authorize(): string;
  /** Changes the fault settings while running (the load test switches faults mid-run). */
  configure(settings: Pick<TokenIssuerOptions, 'latencyMs' | 'errorBursts' | 'intercept'>): void;
  close(): Promise<void>;
}

/**
 * A tiny identity provider on loopback for the load test: it mints tokens of a fixed lifetime,
 * numbers every call it receives and can be made slow, failing, or to hold a chosen request, so
 * that "exactly one IdP call per generation" is counted across processes. With `rotating`, it is
 * a provider that rotates refresh tokens and revokes the grant on reuse (see {@link GrantView}).
 *
 * @example
 * ```ts
 * const issuer = await startTokenIssuer({ lifetimeMs: 10_000 });
 * const response = await fetch(issuer.url, { method: 'POST', headers: { [WORKER_HEADER]: '0' } });
 * const { access_token, expires_at } = await response.json();
 * await issuer.close();
 * ```
 */
export async function startTokenIssuer(options: TokenIssuerOptions): Promise<TokenIssuer> {
  if (!(Number.isFinite(options.lifetimeMs) && options.lifetimeMs > 0)) {
    throw new ConfigurationError(`lifetimeMs must be a positive number of milliseconds; got ${options.lifetimeMs}.`);
  }
  const now = options.now ?? Date.now;
  let round = { startedAt: Number.NEGATIVE_INFINITY, calls: 0 };
  let settings: Pick<TokenIssuerOptions, 'latencyMs' | 'errorBursts' | 'intercept'> = {
    latencyMs: options.latencyMs,
    errorBursts: options.errorBursts,
    intercept: options.intercept,
  };
  validateSettings(settings);
  const mints: MintRecord[] = [];
  const rotating = options.rotating === true;
  const grant: GrantView = { refreshTokensIssued: 0, revokedAt: undefined, revokedBySeq: undefined, invalidGrants: 0 };
  /** Refresh token → the seq of the call that issued it, and whether it was used. Only here, never reported. */
  const refreshTokens = new Map<string, { issuedBy: number; used: boolean }>();
  const issueRefreshToken = (issuedBy: number): string => {
    const value = `rt1.${randomBytes(24).toString('base64url')}`;
    refreshTokens.set(value, { issuedBy, used: false });
    grant.refreshTokensIssued += 1;
    return value;
  };
  /**
   * oidc-provider's refresh_token grant with rotation: an unknown token (or one of a revoked grant,
   * whose tokens it destroys) is `invalid_grant`; a consumed one revokes the grant and is
   * `invalid_grant`; a valid one is consumed and a new one issued.
   */
  const rotate = (record: MintRecord, presented: string | undefined): { refreshToken: string } | { error: 'invalid_grant' | 'invalid_request' } => {
    if (presented === undefined || presented === '') return { error: 'invalid_request' };
    const known = refreshTokens.get(presented);
    if (known === undefined || grant.revokedAt !== undefined) return { error: 'invalid_grant' };
    if (known.used) {
      grant.revokedAt = now();
      grant.revokedBySeq = record.seq;
      record.revokedGrant = true;
      return { error: 'invalid_grant' };
    }
    known.used = true;
    record.rotated = true;
    return { refreshToken: issueRefreshToken(record.seq) };
  };

  const inBurst = (at: number): boolean => {
    const bursts = settings.errorBursts;
    if (bursts === undefined) return false;
    if (at - round.startedAt > bursts.roundGapMs) round = { startedAt: at, calls: 0 };
    round.calls += 1;
    return round.calls <= bursts.calls;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (!rotating) request.resume();
    const body = rotating ? readBody(request) : Promise.resolve('');
    if (request.method !== 'POST' || request.url !== '/token') {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
      return;
    }
    const worker = Number(request.headers[WORKER_HEADER] ?? -1);
    const record: MintRecord = { seq: mints.length + 1, worker, receivedAt: now(), outcome: 'held' };
    // Claims are fixed on arrival: a request held across a newer mint yields an older token, which is
    // exactly what a paused holder has in hand when it wakes up.
    const exp = record.receivedAt + options.lifetimeMs;
    mints.push(record);
    const failing = inBurst(record.receivedAt);
    const presented = rotating ? (new URLSearchParams(await body).get('refresh_token') ?? undefined) : undefined;
    // Known before the fault hook runs, so a fault can tell a recovery call from a new refresh.
    const presentedFrom = presented === undefined ? undefined : refreshTokens.get(presented)?.issuedBy;
    if (presentedFrom !== undefined) record.presentedFrom = presentedFrom;
    const decision = (await settings.intercept?.(record)) ?? 'answer';
    // `abandon` stands for a request that never reached the provider: nothing is consumed.
    if (decision === 'abandon' || (!rotating && response.destroyed)) {
      record.outcome = 'abandoned';
      response.destroy();
      return;
    }
    if ((settings.latencyMs ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, settings.latencyMs));
    if (!rotating && response.destroyed) {
      record.outcome = 'abandoned';
      return;
    }
    if (failing) {
      record.answeredAt = now();
      record.outcome = response.destroyed ? 'abandoned' : 'failed';
      response.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"temporarily_unavailable"}');
      return;
    }
    // A rotating provider consumes the refresh token when it handles the request, whether or not its
    // caller is still there to read the answer: that is how a holder killed mid-refresh loses it.
    const rotation = rotating ? rotate(record, presented) : undefined;
    record.answeredAt = now();
    if (rotation !== undefined && 'error' in rotation) {
      record.outcome = 'rejected';
      record.error = rotation.error;
      if (rotation.error === 'invalid_grant') grant.invalidGrants += 1;
      const description = rotation.error === 'invalid_request' ? 'refresh_token is required' : 'grant request is invalid';
      response
        .writeHead(400, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify({ error: rotation.error, error_description: description }));
      return;
    }
    if (response.destroyed) {
      record.outcome = 'abandoned';
      return;
    }
    record.outcome = 'minted';
    const answer = JSON.stringify({
      access_token: encodeIssuedToken({ seq: record.seq, exp }),
      token_type: 'Bearer',
      expires_in: Math.floor(options.lifetimeMs / 1000),
      expires_at: exp,
      ...(rotation === undefined ? {} : { refresh_token: rotation.refreshToken }),
    });
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(answer);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/token`,
    mints,
    rotating,
    grant,
    authorize() {
      if (!rotating) throw new ConfigurationError('authorize() needs a rotating issuer (rotating: true).');
      if (grant.refreshTokensIssued > 0) throw new ConfigurationError('The grant was already authorized; this issuer holds one grant.');
      return issueRefreshToken(0);
    },
    configure(next) {
      validateSettings(next);
      settings = { ...settings, ...next };
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      if (text.length < 16_384) text += chunk;
    });
    request.on('end', () => resolve(text));
    request.on('error', () => resolve(text));
    request.on('close', () => resolve(text));
  });
}

function validateSettings(settings: Pick<TokenIssuerOptions, 'latencyMs' | 'errorBursts'>): void {
  if (settings.latencyMs !== undefined && !(Number.isFinite(settings.latencyMs) && settings.latencyMs >= 0)) {
    throw new ConfigurationError(`latencyMs must be a number of milliseconds ≥ 0; got ${settings.latencyMs}.`);
  }
  const bursts = settings.errorBursts;
  if (bursts !== undefined && !(Number.isInteger(bursts.calls) && bursts.calls >= 1 && bursts.roundGapMs > 0)) {
    throw new ConfigurationError(
      `errorBursts needs a whole number of calls ≥ 1 and roundGapMs > 0; got calls=${bursts.calls}, roundGapMs=${bursts.roundGapMs}.`,
    );
  }
}
