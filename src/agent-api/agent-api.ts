import { timingSafeEqual } from 'node:crypto';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { InvocationDeadlineError } from '../lambda/errors.js';
import type { RefresherLogger, TokenResult } from '../refresher/index.js';
import { secretNameOf } from '../secret/index.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { ConfigurationError, TokenRefresherError } from '../shared/errors.js';
import { AgentAnswer } from './answer.js';
import { isLoopbackAddress } from './loopback.js';
import { PATH_PREFIX, parseSecretQuery, QUERY_PATH, type SecretQuery } from './query.js';
import { SecretValueReader } from './secret-value.js';
import { SSRF_TOKEN_HEADERS } from './ssrf-token.js';

/**
 * Where the API gets a secret's token: a `TokenRefresher` (which satisfies it), or an adapter that
 * bounds each call, such as the Lambda extension's (by the invocation's deadline).
 *
 * @example
 * ```ts
 * const tokens: AgentTokenSource = new TokenRefresher({ secretId, lockTable, refresh });
 * ```
 */
export interface AgentTokenSource {
  getToken(options?: { signal?: AbortSignal }): Promise<TokenResult>;
  /** Reports the token as rejected: the next `getToken` replaces it, refreshing only if no other process did. */
  invalidate(token: string): boolean;
}

/**
 * One secret the API serves.
 *
 * @example
 * ```ts
 * const served: ServedSecret = { secretId: 'prod/api-token', tokens: refresher };
 * ```
 */
export interface ServedSecret {
  /** The secret's name or ARN, as the refresher was given it. Requests may name it either way. */
  secretId: string;
  /** The staging label the refresher keeps current. Default `AWSCURRENT`. */
  label?: string;
  tokens: AgentTokenSource;
}

/**
 * Options for {@link AgentApi}.
 *
 * @example
 * ```ts
 * const options: AgentApiOptions = { secrets: [{ secretId, tokens: refresher }], ssrfToken: resolveSsrfToken(process.env) };
 * ```
 */
export interface AgentApiOptions {
  secrets: readonly ServedSecret[];
  /** The value every request must send in `X-Aws-Parameters-Secrets-Token` (or `X-Vault-Token`); see `resolveSsrfToken`. */
  ssrfToken: string;
  /** Reads each version's GetSecretValue answer once. Default: a client with the SDK's standard configuration. */
  secretsManager: SecretsManagerClient;
  /** `refreshNow=true` replaces a token only once this process has served it this long, so a client that sends it on every request cannot make the fleet refresh on every request. Default 1 000. */
  refreshNowMinAgeMs?: number;
  /** Receives failures (never a token or a request's SSRF token). Default: silent. */
  logger?: RefresherLogger;
  clock?: Clock;
}

/**
 * One request, as the HTTP server hands it over.
 *
 * @example
 * ```ts
 * const request: AgentRequest = { method: 'GET', url: '/secretsmanager/get?secretId=prod/api-token', headers, remoteAddress: '127.0.0.1' };
 * ```
 */
export interface AgentRequest {
  method: string;
  /** The request target: path and query. */
  url: string;
  /** Node's lower-cased headers. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  remoteAddress: string | undefined;
  /** Aborts when the client goes away. */
  signal?: AbortSignal;
}

interface Served {
  secretId: string;
  label: string;
  tokens: AgentTokenSource;
  reader: SecretValueReader;
  /** Monotonic time each version was first served by this process (the last few). */
  firstServed: Map<string, number>;
  /** The replacement a refreshNow started, for the version it replaces. */
  replacing?: { versionId: string; replacement: Promise<TokenResult> };
}

const DEFAULT_LABEL = 'AWSCURRENT';
const DEFAULT_REFRESH_NOW_MIN_AGE_MS = 1_000;

/**
 * The Secrets Manager Agent's HTTP API over refreshers: `GET /secretsmanager/get?secretId=…` (and the
 * path form `GET /v1/<secretId>`) answers GetSecretValue's JSON for the secrets it is configured
 * with, so any language reads the fleet's token the way it reads a secret through the Agent or the
 * Parameters and Secrets Lambda Extension — but the token is refreshed once per generation for the
 * whole fleet, and always valid when served. `SecretString` is the secret's stored value (the
 * `token-refresher/1` envelope, or the configured codec's format): the same bytes GetSecretValue
 * returns. `refreshNow=true` reports the served token as rejected (one refresh for the fleet however
 * many callers send it). Requests are refused as the Agent refuses them: from outside loopback (403),
 * with `X-Forwarded-For` (400 `Forwarded`), without the SSRF token or with a wrong one (403 `Bad
 * Token`), other methods than GET (405), other paths (404); a secret it does not serve is a 400
 * `AccessDeniedException`. `GET /ping` answers `healthy` without a token.
 *
 * @example
 * ```ts
 * const api = new AgentApi({ secrets: [{ secretId: 'prod/api-token', tokens: refresher }], ssrfToken, secretsManager });
 * const answer = await api.answer({ method: 'GET', url: '/secretsmanager/get?secretId=prod/api-token', headers, remoteAddress });
 * ```
 */
export class AgentApi {
  readonly #secrets = new Map<string, Served>();
  readonly #ssrfToken: Buffer;
  readonly #refreshNowMinAgeMs: number;
  readonly #logger: RefresherLogger | undefined;
  readonly #clock: Clock;

  constructor(options: AgentApiOptions) {
    if (!Array.isArray(options?.secrets) || options.secrets.length === 0) {
      throw new ConfigurationError('The Agent API needs at least one secret to serve: option "secrets" = [{ secretId, tokens }].');
    }
    if (typeof options.ssrfToken !== 'string' || options.ssrfToken === '') {
      throw new ConfigurationError('Option "ssrfToken" must be a non-empty string (see resolveSsrfToken).');
    }
    this.#ssrfToken = Buffer.from(options.ssrfToken);
    this.#refreshNowMinAgeMs = options.refreshNowMinAgeMs ?? DEFAULT_REFRESH_NOW_MIN_AGE_MS;
    if (!Number.isFinite(this.#refreshNowMinAgeMs) || this.#refreshNowMinAgeMs < 0) {
      throw new ConfigurationError(`Option "refreshNowMinAgeMs" must be a number of milliseconds ≥ 0; got ${String(options.refreshNowMinAgeMs)}.`);
    }
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock;
    for (const secret of options.secrets) {
      if (typeof secret?.tokens?.getToken !== 'function' || typeof secret.tokens.invalidate !== 'function') {
        throw new ConfigurationError('Each served secret needs "tokens": a TokenRefresher or an object with getToken() and invalidate().');
      }
      const name = secretNameOf(secret.secretId);
      if (this.#secrets.has(name)) throw new ConfigurationError(`The secret ${name} is listed twice; serve each secret once.`);
      this.#secrets.set(name, {
        secretId: secret.secretId,
        label: secret.label ?? DEFAULT_LABEL,
        tokens: secret.tokens,
        reader: new SecretValueReader(options.secretsManager, secret.secretId),
        firstServed: new Map(),
      });
    }
  }

  /** Answers one request (never throws: failures become the Agent's error answers). */
  async answer(request: AgentRequest): Promise<AgentAnswer> {
    if (!isLoopbackAddress(request.remoteAddress)) return AgentAnswer.text(403, 'Forbidden');
    const url = new URL(request.url, 'http://localhost');
    const ping = url.pathname === '/ping';
    if (!ping) {
      if (request.headers['x-forwarded-for'] !== undefined) return AgentAnswer.text(400, 'Forwarded');
      if (!this.#hasToken(request.headers)) return AgentAnswer.text(403, 'Bad Token');
    }
    if (request.method !== 'GET') return AgentAnswer.text(405, 'Not allowed');
    if (ping) return AgentAnswer.text(200, 'healthy');
    if (url.pathname !== QUERY_PATH && !url.pathname.startsWith(PATH_PREFIX)) return AgentAnswer.text(404, 'Not found');
    const query = parseSecretQuery(url);
    if (query instanceof AgentAnswer) return query;
    return this.#serve(query, request.signal);
  }

  #hasToken(headers: AgentRequest['headers']): boolean {
    return SSRF_TOKEN_HEADERS.some((name) => {
      const value = headers[name.toLowerCase()];
      if (typeof value !== 'string') return false;
      const given = Buffer.from(value);
      return given.length === this.#ssrfToken.length && timingSafeEqual(given, this.#ssrfToken);
    });
  }

  async #serve(query: SecretQuery, signal: AbortSignal | undefined): Promise<AgentAnswer> {
    const served = this.#secrets.get(secretNameOf(query.secretId));
    if (served === undefined) {
      return AgentAnswer.error(
        400,
        'AccessDeniedException',
        `token-refresher serves only the secrets it refreshes (${[...this.#secrets.keys()].join(', ')}); ask Secrets Manager for others.`,
      );
    }
    if (query.versionStage !== undefined && query.versionStage !== served.label) {
      return AgentAnswer.error(
        400,
        'ResourceNotFoundException',
        `token-refresher serves only the staging label ${served.label} of this secret, not ${query.versionStage}.`,
      );
    }
    try {
      const result = await this.#token(served, query.refreshNow, signal);
      if (query.versionId !== undefined && query.versionId !== result.versionId) {
        return AgentAnswer.error(
          400,
          'ResourceNotFoundException',
          `token-refresher serves only the current version of this secret, not ${query.versionId}.`,
        );
      }
      return AgentAnswer.json(await served.reader.read(result.versionId));
    } catch (error) {
      return this.#failure(error);
    }
  }

  async #token(served: Served, refreshNow: boolean, signal: AbortSignal | undefined): Promise<TokenResult> {
    const result = await served.tokens.getToken({ signal });
    const servedBefore = this.#noteServed(served, result.versionId);
    if (!refreshNow) return result;
    if (served.replacing?.versionId === result.versionId) return served.replacing.replacement;
    // A token read or refreshed by this very call is already the newest; one this process has served
    // for less than refreshNowMinAgeMs was replaced moments ago, so a client that sends refreshNow on
    // every request does not make the fleet refresh on every request.
    const fresh = result.source !== 'memory' || (servedBefore !== undefined && this.#clock.monotonic() - servedBefore < this.#refreshNowMinAgeMs);
    if (fresh) return result;
    served.tokens.invalidate(result.token);
    // Shared by every refreshNow caller that saw the same token, so it is not bound to one caller's signal.
    const replacement = served.tokens.getToken().then((replaced) => {
      this.#noteServed(served, replaced.versionId);
      return replaced;
    });
    const replacing = { versionId: result.versionId, replacement };
    served.replacing = replacing;
    const clear = (): void => {
      if (served.replacing === replacing) served.replacing = undefined;
    };
    replacement.then(clear, clear);
    return replacement;
  }

  /** Records when this process first served the version; returns the earlier record, if any. */
  #noteServed(served: Served, versionId: string): number | undefined {
    const before = served.firstServed.get(versionId);
    if (before !== undefined) return before;
    served.firstServed.set(versionId, this.#clock.monotonic());
    while (served.firstServed.size > 4) served.firstServed.delete(served.firstServed.keys().next().value as string);
    return undefined;
  }

  #failure(error: unknown): AgentAnswer {
    const name = error instanceof Error ? error.name : typeof error;
    const message = error instanceof Error ? error.message : String(error);
    this.#logger?.warn('token-refresher agent API: could not serve the token', { event: 'agent-api-failed', error: { name, message } });
    if (error instanceof InvocationDeadlineError || name === 'AbortError' || name === 'TimeoutError') {
      return AgentAnswer.error(504, 'TimeoutError', message);
    }
    if (error instanceof TokenRefresherError) return AgentAnswer.error(503, name, message);
    const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
    if (status !== undefined && status >= 400) return AgentAnswer.error(status, name, message);
    return AgentAnswer.error(500, 'InternalFailure', '');
  }
}
