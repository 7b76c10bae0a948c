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
  outcome: 'minted' | 'failed' | 'held' | 'abandoned';
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
}

/** A running token issuer. */
export interface TokenIssuer {
  /** `http://127.0.0.1:port/token`. */
  url: string;
  /** Every call received, in order. */
  readonly mints: readonly MintRecord[];
  /** Changes the fault settings while running (the load test switches faults mid-run). */
  configure(settings: Pick<TokenIssuerOptions, 'latencyMs' | 'errorBursts' | 'intercept'>): void;
  close(): Promise<void>;
}

/**
 * A tiny identity provider on loopback for the load test: it mints tokens of a fixed lifetime,
 * numbers every call it receives and can be made slow, failing, or to hold a chosen request, so
 * that "exactly one IdP call per generation" is counted across processes.
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

  const inBurst = (at: number): boolean => {
    const bursts = settings.errorBursts;
    if (bursts === undefined) return false;
    if (at - round.startedAt > bursts.roundGapMs) round = { startedAt: at, calls: 0 };
    round.calls += 1;
    return round.calls <= bursts.calls;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    request.resume();
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
    const decision = (await settings.intercept?.(record)) ?? 'answer';
    if (decision === 'abandon' || response.destroyed) {
      record.outcome = 'abandoned';
      response.destroy();
      return;
    }
    if ((settings.latencyMs ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, settings.latencyMs));
    if (response.destroyed) {
      record.outcome = 'abandoned';
      return;
    }
    record.answeredAt = now();
    if (failing) {
      record.outcome = 'failed';
      response.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"temporarily_unavailable"}');
      return;
    }
    record.outcome = 'minted';
    const body = JSON.stringify({
      access_token: encodeIssuedToken({ seq: record.seq, exp }),
      token_type: 'Bearer',
      expires_in: Math.floor(options.lifetimeMs / 1000),
      expires_at: exp,
    });
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body);
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
