import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RefreshStateRejectedError } from '../../src/index.js';
import { rotatingGrant, type RotatingGrant } from './rotating-grant.js';

/** The header a fleet member sends so that the issuer knows which process called. */
export const MEMBER_HEADER = 'x-fleet-member';

/** One call the issuer received. Never holds the token. */
export interface Mint {
  member: number;
  outcome: 'minted' | 'failed' | 'held' | 'abandoned';
}

/** Decides the fate of a call: answer it now, or hold it until the promise settles (`abandon` drops it). */
export type Intercept = (mint: Mint) => Promise<'answer' | 'abandon'> | undefined;

/**
 * Holds the next call the issuer receives until `decision` settles (later calls are answered at
 * once) and resolves with the member that made it — the process now inside its identity-provider
 * call, holding the lease.
 *
 * @example
 * ```ts
 * const victimId = await holdNextMint(issuer, new Promise<'abandon'>(() => undefined));
 * ```
 */
export function holdNextMint(issuer: TestTokenIssuer, decision: Promise<'answer' | 'abandon'>): Promise<number> {
  return new Promise<number>((resolve) => {
    let armed = true;
    issuer.intercept = (mint) => {
      if (!armed) return undefined;
      armed = false;
      resolve(mint.member);
      return decision;
    };
  });
}

/** A counting identity provider on loopback for process-level tests. */
export interface TestTokenIssuer {
  /** `http://127.0.0.1:port/token` */
  url: string;
  readonly mints: readonly Mint[];
  /** While true, every call is answered HTTP 503. */
  failing: boolean;
  /** Hooks the next calls (e.g. to hold one while its caller is frozen or killed). */
  intercept: Intercept | undefined;
  /** With `rotation`: the grant whose refresh tokens the calls must present (oidc-provider's rule: one use each). */
  grant: RotatingGrant | undefined;
  close(): Promise<void>;
}

/**
 * Starts a token issuer whose tokens live `lifetimeMs`. Every call is counted, so "one refresh per
 * generation" can be checked across processes; answers are `{ access_token, expires_at }` (epoch ms).
 *
 * @example
 * ```ts
 * const issuer = await startTestTokenIssuer({ lifetimeMs: 6_000 });
 * // children call POST issuer.url with the x-fleet-member header
 * expect(issuer.mints).toHaveLength(4);
 * await issuer.close();
 * ```
 */
export async function startTestTokenIssuer(options: { lifetimeMs: number; rotation?: { graceMs: number } }): Promise<TestTokenIssuer> {
  const mints: Mint[] = [];
  let sequence = 0;
  const issuer = {
    url: '',
    mints,
    failing: false,
    intercept: undefined as Intercept | undefined,
    grant:
      options.rotation === undefined ? undefined : rotatingGrant({ clock: Date, lifetimeMs: options.lifetimeMs, graceMs: options.rotation.graceMs }),
    close: () => Promise.resolve(),
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(Buffer.from(chunk));
    const mint: Mint = { member: Number(request.headers[MEMBER_HEADER] ?? -1), outcome: 'held' };
    mints.push(mint);
    const decision = (await issuer.intercept?.(mint)) ?? 'answer';
    if (decision === 'abandon' || response.destroyed) {
      mint.outcome = 'abandoned';
      response.destroy();
      return;
    }
    if (issuer.failing) {
      mint.outcome = 'failed';
      response.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"temporarily_unavailable"}');
      return;
    }
    if (issuer.grant !== undefined) {
      answerRotating(issuer.grant, Buffer.concat(chunks).toString('utf8'), mint, response);
      return;
    }
    mint.outcome = 'minted';
    sequence += 1;
    const token = `fleet-token-${process.pid}-${sequence}-${Math.random().toString(36).slice(2)}`;
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ access_token: token, expires_at: Date.now() + options.lifetimeMs }));
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  issuer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  let closing: Promise<void> | undefined;
  issuer.close = () =>
    (closing ??= new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }));
  return issuer;
}

/** The refresh_token grant on the rotating grant: the body is the refresh token; reuse answers 400 invalid_grant. */
function answerRotating(grant: RotatingGrant, refreshToken: string, mint: Mint, response: ServerResponse): void {
  try {
    const answer = grant.refresh(refreshToken === '' ? undefined : refreshToken);
    mint.outcome = 'minted';
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ access_token: answer.accessToken, expires_at: answer.expiresAt, refresh_token: answer.refreshToken }));
  } catch (error) {
    if (!(error instanceof RefreshStateRejectedError)) throw error;
    mint.outcome = 'failed';
    response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
  }
}

/**
 * Calls a rotating issuer with the stored refresh token, as a refresh function keeping state does:
 * the new refresh token comes back as `state`, and `invalid_grant` is a {@link RefreshStateRejectedError}.
 *
 * @example
 * ```ts
 * refresh: ({ signal, state }) => fetchRotatingToken(url, 2, state?.refreshToken, signal)
 * ```
 */
export async function fetchRotatingToken(
  url: string,
  member: number,
  refreshToken: string | undefined,
  signal: AbortSignal,
): Promise<{ token: string; expiresAt: number; state: { refreshToken: string } }> {
  const response = await fetch(url, { method: 'POST', headers: { [MEMBER_HEADER]: String(member) }, body: refreshToken ?? '', signal });
  if (response.status === 400) {
    await response.body?.cancel();
    throw new RefreshStateRejectedError('The token issuer answered invalid_grant.');
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`The token issuer answered HTTP ${response.status}.`);
  }
  const body = (await response.json()) as { access_token: string; expires_at: number; refresh_token: string };
  return { token: body.access_token, expiresAt: body.expires_at, state: { refreshToken: body.refresh_token } };
}

/**
 * Calls the issuer as fleet member `member` (the refresh function of a fleet member).
 *
 * @example
 * ```ts
 * refresh: ({ signal }) => fetchTestToken(url, 2, signal)
 * ```
 */
export async function fetchTestToken(url: string, member: number, signal: AbortSignal): Promise<{ token: string; expiresAt: number }> {
  const response = await fetch(url, { method: 'POST', headers: { [MEMBER_HEADER]: String(member) }, signal });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`The token issuer answered HTTP ${response.status}.`);
  }
  const body = (await response.json()) as { access_token: string; expires_at: number };
  return { token: body.access_token, expiresAt: body.expires_at };
}
