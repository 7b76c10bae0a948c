/**
 * A real OAuth 2.0 authorization server on loopback, for tests, the demo and the worker: `oidc-provider`
 * configured for the client credentials grant (RFC 6749 §4.4), with token introspection (RFC 7662)
 * and resource indicators (RFC 8707), plus what tests need and a real IdP lacks — request counts, a
 * log of every token request (without secrets), latency, injected responses and dropped connections,
 * and clients that can be revoked or given a new secret while the server runs.
 *
 * With `refreshTokens` it also issues refresh tokens: clients with `offlineAccess` may use the
 * authorization code grant (driven programmatically by {@link OAuthServer.authorize}: /auth, a login
 * and consent that this server grants at once, the code, PKCE) and the refresh token grant, which
 * rotates refresh tokens the way oidc-provider does with `rotateRefreshToken: true` — a used one
 * presented again is `invalid_grant` and revokes the whole grant. oidc-provider has no reuse grace
 * period; `reuseGraceSeconds` adds one (Okta's and Auth0's behaviour) in this fixture's storage
 * adapter, with the real oidc-provider still handling every request.
 *
 * @example
 * ```ts
 * const server = await startOAuthServer({
 *   clients: [{ clientId: 'worker', clientSecret: 'worker-secret', scope: 'read' }],
 *   accessTokenTtlSeconds: 300,
 * });
 * try {
 *   // POST server.tokenUrl with grant_type=client_credentials and Basic auth…
 *   console.log(server.stats.minted);
 * } finally {
 *   await server.close();
 * }
 * ```
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A client registered with the server. */
export interface OAuthTestClient {
  clientId: string;
  clientSecret: string;
  /** How the client must authenticate at the token endpoint. Default `'client_secret_basic'`. */
  authMethod?: 'client_secret_basic' | 'client_secret_post';
  /** Space-separated scopes this client may request. Default: every scope the server knows. */
  scope?: string;
  /**
   * Also allow the authorization code and refresh token grants with the `offline_access` scope
   * (needs the server's `refreshTokens` option). `openid offline_access` are added to `scope`.
   */
  offlineAccess?: boolean;
}

/** How the server issues and rotates refresh tokens. */
export interface RefreshTokenBehaviour {
  /**
   * oidc-provider's `rotateRefreshToken`: every refresh returns a new refresh token and consumes the
   * one presented; presenting a consumed one revokes the grant. `false`: the same refresh token is
   * returned and stays valid. Default `true`.
   */
  rotate?: boolean;
  /**
   * Seconds after its rotation during which a consumed refresh token is accepted once more (and
   * rotated again, so both successors stay valid), as Okta's and Auth0's reuse interval does. A
   * second reuse, or one after the window, is `invalid_grant` and revokes the grant. Default 0.
   */
  reuseGraceSeconds?: number;
  /** The clock of the grace window, epoch ms. Default `Date.now`. */
  now?: () => number;
}

/** What {@link OAuthServer.authorize} obtained: the first tokens of a new grant. */
export interface AuthorizationGrant {
  accessToken: string;
  refreshToken: string;
  /** The access token's `expires_in`, seconds. */
  expiresIn: number;
  /** The `sub` the grant was made for. */
  accountId: string;
}

/** A protected resource (RFC 8707) that clients may name with the `resource` parameter. */
export interface OAuthTestResource {
  /** Scopes the resource accepts, space-separated. Requested scopes outside it are dropped. */
  scope: string;
  /** Lifetime of tokens minted for this resource. Default: the server's `accessTokenTtlSeconds`. */
  accessTokenTtlSeconds?: number;
}

export interface StartOAuthServerOptions {
  clients: readonly OAuthTestClient[];
  /** Lifetime of minted access tokens (`expires_in`). Default 3600. */
  accessTokenTtlSeconds?: number;
  /** Scopes the server knows. Default: the union of the clients' and resources' scopes. */
  scopes?: readonly string[];
  /** Resource indicators the server accepts, keyed by the absolute URI clients send. */
  resources?: Readonly<Record<string, OAuthTestResource>>;
  /** Issue refresh tokens to `offlineAccess` clients, and how. Default: no refresh tokens. */
  refreshTokens?: RefreshTokenBehaviour;
}

/** One request to the token endpoint as the server saw it. Never holds a secret or a token. */
export interface TokenRequestRecord {
  /** The client the request named (whether or not it then authenticated). */
  clientId: string | undefined;
  /** How the client presented its credentials: an `Authorization: Basic` header or form fields. */
  credentialsIn: 'header' | 'body' | 'none';
  grantType: string | undefined;
  scope: string | undefined;
  resource: string | undefined;
  /** The non-standard `audience` parameter (Auth0 and others) — recorded, not interpreted. */
  audience: string | undefined;
  /** The HTTP status sent back; `0` when the connection was dropped on purpose. */
  status: number;
  /** The OAuth `error` code of a failed request. */
  error: string | undefined;
}

/** Counters since the server started. Read them at any time; they are live. */
export interface OAuthServerStats {
  /** Requests that reached the token endpoint, including failed, injected and dropped ones. */
  tokenRequests: number;
  /** Access tokens issued. */
  minted: number;
  /** Grants revoked, e.g. because a used refresh token was presented again. */
  grantsRevoked: number;
  /** Consumed refresh tokens accepted once more within `reuseGraceSeconds`. */
  graceReuses: number;
}

/** A canned response the server returns instead of handling a token request. */
export interface InjectedResponse {
  status: number;
  headers?: Readonly<Record<string, string>>;
  /** Sent as JSON unless it is a string. Default: an empty body. */
  body?: unknown;
}

/** RFC 7662 introspection response, the fields tests look at. */
export interface IntrospectionResult {
  active: boolean;
  client_id?: string;
  scope?: string;
  aud?: string | string[];
  exp?: number;
  iat?: number;
  token_type?: string;
}

export interface OAuthServer {
  /** The issuer, `http://127.0.0.1:<port>`. */
  readonly issuer: string;
  /** The token endpoint. */
  readonly tokenUrl: string;
  /** The RFC 7662 introspection endpoint. */
  readonly introspectionUrl: string;
  readonly stats: Readonly<OAuthServerStats>;
  /** Every token request so far, oldest first. */
  readonly requests: readonly TokenRequestRecord[];
  /** Asks the server's own introspection endpoint (as an internal client) about `token`. */
  introspect(token: string): Promise<IntrospectionResult>;
  /** Delays every later token request by `ms` before the server handles it. `0` turns it off. */
  setLatency(ms: number): void;
  /** Answers the next `times` token requests with `response` instead of handling them. */
  injectResponses(response: InjectedResponse, times?: number): void;
  /** Destroys the connection of the next `times` token requests without answering. */
  dropConnections(times?: number): void;
  /**
   * Handles the next `times` token requests, then destroys their connections instead of answering:
   * the request took effect (a refresh token was rotated) but the client never hears of it.
   */
  loseResponses(times?: number): void;
  /** Turns latency off and forgets queued injected responses and drops — for an `afterEach`. */
  resetFaults(): void;
  /** Resolves when the next token request arrives (before latency, injection or handling). */
  nextTokenRequest(): Promise<void>;
  /** Registers a client, or replaces the one with the same id. */
  addClient(client: OAuthTestClient): void;
  /** Removes a client: its later requests fail with `invalid_client`. */
  revokeClient(clientId: string): void;
  /** Gives a client a new secret: the old one fails with `invalid_client` from now on. */
  setClientSecret(clientId: string, clientSecret: string): void;
  /**
   * Obtains a real authorization code grant for an `offlineAccess` client, as a browser and a user
   * would: GET /auth (code flow, PKCE S256, `prompt=consent`, `offline_access`), the interaction,
   * which this server completes at once by logging `accountId` in and granting every requested
   * scope, the redirect back with the code, and the code exchange at the token endpoint (which
   * counts as a token request). Returns the grant's first access and refresh tokens.
   */
  authorize(client: { clientId: string; clientSecret: string; scope?: string; accountId?: string }): Promise<AuthorizationGrant>;
  close(): Promise<void>;
}

/** What this fixture uses of `oidc-provider`, which ships no type declarations. */
interface ProviderModule {
  default: new (issuer: string, configuration: Record<string, unknown>) => ProviderInstance;
  errors: { InvalidTarget: new (description?: string) => Error };
}

interface ProviderInstance {
  use(middleware: (ctx: ProviderContext, next: () => Promise<void>) => Promise<void>): void;
  callback(): (request: IncomingMessage, response: ServerResponse) => void;
  on(event: string, listener: (...args: unknown[]) => void): void;
  interactionDetails(request: IncomingMessage, response: ServerResponse): Promise<{ params: Record<string, unknown> }>;
  interactionResult(
    request: IncomingMessage,
    response: ServerResponse,
    result: unknown,
    options: { mergeWithLastSubmission: boolean },
  ): Promise<string>;
  Grant: new (properties: {
    accountId: string;
    clientId: string;
  }) => {
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  };
}

interface ProviderContext {
  method: string;
  path: string;
  status: number;
  body: unknown;
  req: IncomingMessage;
  res: ServerResponse;
  respond?: boolean;
  set(name: string, value: string): void;
  get(name: string): string;
  oidc?: {
    client?: { clientId: string };
    params?: Record<string, unknown>;
    body?: Record<string, unknown>;
  };
}

type ClientMetadata = Record<string, unknown>;

interface Payload {
  [key: string]: unknown;
}

const TOKEN_PATH = '/token';
const INTERACTION_PATH = /^\/interaction\/([\w-]+)$/;
/** Where authorization responses go; never contacted — {@link OAuthServer.authorize} reads the redirect. */
const REDIRECT_URI = 'https://client.example.test/callback';
const DEFAULT_ACCOUNT = 'fixture-user';
const INTROSPECTION_PATH = '/token/introspection';
const INTROSPECTOR_ID = 'fixture-introspector';

/** A string specifier keeps the compiler from demanding declarations `oidc-provider` does not ship. */
const providerModuleName: string = 'oidc-provider';

/**
 * Starts the server on 127.0.0.1 with an ephemeral port. Close it with {@link OAuthServer.close}.
 */
export async function startOAuthServer(options: StartOAuthServerOptions): Promise<OAuthServer> {
  const ttlSeconds = options.accessTokenTtlSeconds ?? 3600;
  const resources = options.resources ?? {};
  const introspectorSecret = randomBytes(24).toString('base64url');

  const refreshTokens = options.refreshTokens;
  const graceMs = (refreshTokens?.reuseGraceSeconds ?? 0) * 1000;
  const clients = new Map<string, ClientMetadata>();
  const addClient = (client: OAuthTestClient): void => {
    if (client.offlineAccess === true && refreshTokens === undefined) {
      throw new Error(`client ${client.clientId} has offlineAccess, which needs the server's refreshTokens option`);
    }
    clients.set(client.clientId, clientMetadata(client));
  };
  for (const client of options.clients) addClient(client);
  clients.set(INTROSPECTOR_ID, clientMetadata({ clientId: INTROSPECTOR_ID, clientSecret: introspectorSecret }));

  const stats: OAuthServerStats = { tokenRequests: 0, minted: 0, grantsRevoked: 0, graceReuses: 0 };
  const requests: TokenRequestRecord[] = [];
  const injected: InjectedResponse[] = [];
  let dropsLeft = 0;
  let lossesLeft = 0;
  let latencyMs = 0;
  const pendingDelays = new Set<() => void>();
  let requestWaiters: Array<() => void> = [];

  const httpServer = createServer();
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  const { port } = httpServer.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  const { default: Provider, errors } = (await import(providerModuleName)) as ProviderModule;
  const provider = new Provider(issuer, {
    adapter: createAdapterFactory(clients, {
      graceMs,
      now: refreshTokens?.now ?? Date.now,
      onGraceReuse: () => {
        stats.graceReuses += 1;
      },
    }),
    clients: [],
    jwks: { keys: [generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // The one signing key is an EC key; clients must default to an algorithm it can serve.
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    scopes: options.scopes ?? knownScopes(options.clients, resources),
    ...(refreshTokens === undefined
      ? {}
      : {
          rotateRefreshToken: refreshTokens.rotate ?? true,
          // Tokens of the authorization code and refresh token grants name a user; every user exists here.
          findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
          pkce: { required: () => true },
        }),
    extraParams: ['audience'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Any client of this test server may introspect any token: tests introspect as the fixture.
      introspection: { enabled: true, allowedPolicy: async () => true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx: unknown, _client: unknown, oneOf?: string) => oneOf,
        useGrantedResource: async () => false,
        getResourceServerInfo: async (_ctx: unknown, resource: string) => {
          const info = resources[resource];
          if (info === undefined) throw new errors.InvalidTarget(`unknown resource ${resource}`);
          return {
            scope: info.scope,
            audience: resource,
            accessTokenTTL: info.accessTokenTtlSeconds ?? ttlSeconds,
            accessTokenFormat: 'opaque',
          };
        },
      },
    },
    ttl: {
      ClientCredentials: (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) =>
        token.resourceServer?.accessTokenTTL ?? ttlSeconds,
      AccessToken: (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) => token.resourceServer?.accessTokenTTL ?? ttlSeconds,
      // Fixed lifetimes for what the authorization code flow creates (oidc-provider warns about its defaults).
      Interaction: 600,
      Session: 86_400,
      Grant: 14 * 86_400,
      IdToken: 3600,
      AuthorizationCode: 60,
      RefreshToken: 14 * 86_400,
    },
  });
  provider.on('grant.revoked', () => {
    stats.grantsRevoked += 1;
  });
  // Koa logs every thrown error by default; the errors tests provoke on purpose are noise.
  provider.on('error', () => undefined);
  provider.on('server_error', () => undefined);

  if (refreshTokens !== undefined) {
    // The login and consent pages of a real server, reduced to "yes": the account is the login_hint.
    provider.use(async (ctx, next) => {
      if (ctx.method !== 'GET' || !INTERACTION_PATH.test(ctx.path)) {
        await next();
        return;
      }
      const { params } = await provider.interactionDetails(ctx.req, ctx.res);
      const accountId = typeof params['login_hint'] === 'string' ? params['login_hint'] : DEFAULT_ACCOUNT;
      const grant = new provider.Grant({ accountId, clientId: String(params['client_id']) });
      grant.addOIDCScope(String(params['scope']));
      const grantId = await grant.save();
      const returnTo = await provider.interactionResult(
        ctx.req,
        ctx.res,
        { login: { accountId }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
      ctx.status = 303;
      ctx.set('location', returnTo);
      ctx.body = '';
    });
  }

  provider.use(async (ctx, next) => {
    if (ctx.method !== 'POST' || ctx.path !== TOKEN_PATH) {
      await next();
      return;
    }
    stats.tokenRequests += 1;
    const waiters = requestWaiters;
    requestWaiters = [];
    for (const wake of waiters) wake();

    if (latencyMs > 0) await delay(latencyMs, pendingDelays);

    if (dropsLeft > 0) {
      dropsLeft -= 1;
      requests.push(emptyRecord(ctx, 0));
      ctx.respond = false;
      ctx.req.socket.destroy();
      return;
    }
    const response = injected.shift();
    if (response !== undefined) {
      ctx.status = response.status;
      for (const [name, value] of Object.entries(response.headers ?? {})) ctx.set(name, value);
      // Koa turns an undefined body into 204; an empty string keeps the injected status.
      ctx.body = response.body ?? '';
      requests.push({ ...emptyRecord(ctx, response.status), error: oauthErrorOf(response.body) });
      return;
    }

    await next();
    if (ctx.status === 200) stats.minted += 1;
    if (lossesLeft > 0) {
      lossesLeft -= 1;
      requests.push({ ...recordOf(ctx), status: 0 });
      ctx.respond = false;
      ctx.req.socket.destroy();
      return;
    }
    requests.push(recordOf(ctx));
  });

  httpServer.on('request', provider.callback());

  return {
    issuer,
    tokenUrl: `${issuer}${TOKEN_PATH}`,
    introspectionUrl: `${issuer}${INTROSPECTION_PATH}`,
    stats,
    requests,
    async introspect(token) {
      const response = await fetch(`${issuer}${INTROSPECTION_PATH}`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${INTROSPECTOR_ID}:${introspectorSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token }).toString(),
      });
      if (!response.ok) throw new Error(`introspection failed with HTTP ${response.status}`);
      return (await response.json()) as IntrospectionResult;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    injectResponses(response, times = 1) {
      for (let i = 0; i < times; i += 1) injected.push(response);
    },
    dropConnections(times = 1) {
      dropsLeft += times;
    },
    loseResponses(times = 1) {
      lossesLeft += times;
    },
    resetFaults() {
      latencyMs = 0;
      injected.length = 0;
      dropsLeft = 0;
      lossesLeft = 0;
    },
    nextTokenRequest() {
      return new Promise<void>((resolve) => requestWaiters.push(resolve));
    },
    addClient,
    revokeClient(clientId) {
      clients.delete(clientId);
    },
    setClientSecret(clientId, clientSecret) {
      const metadata = clients.get(clientId);
      if (metadata === undefined) throw new Error(`no client ${clientId} to give a new secret`);
      clients.set(clientId, { ...metadata, client_secret: clientSecret });
    },
    async authorize(client) {
      if (refreshTokens === undefined) throw new Error('authorize needs the server started with the refreshTokens option');
      return await authorizationCodeGrant(issuer, `${issuer}${TOKEN_PATH}`, client);
    },
    async close() {
      for (const release of pendingDelays) release();
      pendingDelays.clear();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve, reject) => httpServer.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

function clientMetadata(client: OAuthTestClient): ClientMetadata {
  const offline = client.offlineAccess === true;
  return {
    client_id: client.clientId,
    client_secret: client.clientSecret,
    grant_types: offline ? ['client_credentials', 'authorization_code', 'refresh_token'] : ['client_credentials'],
    response_types: offline ? ['code'] : [],
    redirect_uris: offline ? [REDIRECT_URI] : [],
    token_endpoint_auth_method: client.authMethod ?? 'client_secret_basic',
    ...(client.scope === undefined ? {} : { scope: offline ? `openid offline_access ${client.scope}` : client.scope }),
  };
}

/** The authorization code flow as a browser would run it, with a cookie jar and PKCE (RFC 7636). */
async function authorizationCodeGrant(
  issuer: string,
  tokenUrl: string,
  client: { clientId: string; clientSecret: string; scope?: string; accountId?: string },
): Promise<AuthorizationGrant> {
  const accountId = client.accountId ?? DEFAULT_ACCOUNT;
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(12).toString('base64url');
  const authorization = new URL('/auth', issuer);
  authorization.search = new URLSearchParams({
    client_id: client.clientId,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: ['openid', 'offline_access', ...(client.scope === undefined ? [] : [client.scope])].join(' '),
    // OpenID Connect Core §11: offline_access is only granted together with prompt=consent.
    prompt: 'consent',
    login_hint: accountId,
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();

  const cookies = new Map<string, string>();
  let url = authorization;
  let code: string | undefined;
  for (let hop = 0; hop < 10 && code === undefined; hop += 1) {
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    await response.arrayBuffer();
    for (const header of response.headers.getSetCookie()) {
      const pair = header.split(';', 1)[0] ?? '';
      const equals = pair.indexOf('=');
      const [name, value] = [pair.slice(0, equals).trim(), pair.slice(equals + 1).trim()];
      if (value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
    const location = response.headers.get('location');
    if (location === null) throw new Error(`authorization stopped at ${url.pathname} with HTTP ${response.status}`);
    const next = new URL(location, url);
    if (`${next.origin}${next.pathname}` === REDIRECT_URI) {
      const error = next.searchParams.get('error');
      if (error !== null) throw new Error(`authorization failed: ${error} (${next.searchParams.get('error_description') ?? ''})`);
      if (next.searchParams.get('state') !== state) throw new Error('authorization returned another state');
      code = next.searchParams.get('code') ?? undefined;
      if (code === undefined) throw new Error('authorization returned no code');
    }
    url = next;
  }
  if (code === undefined) throw new Error('authorization did not reach the redirect URI within 10 redirects');

  const response = await fetch(tokenUrl, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeForm(client.clientId)}:${encodeForm(client.clientSecret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }).toString(),
  });
  const body = (await response.json()) as { access_token?: string; refresh_token?: string; expires_in?: number; error?: string };
  if (!response.ok || body.access_token === undefined || body.refresh_token === undefined || body.expires_in === undefined) {
    throw new Error(`code exchange failed with HTTP ${response.status}${body.error === undefined ? '' : ` ${body.error}`}`);
  }
  return { accessToken: body.access_token, refreshToken: body.refresh_token, expiresIn: body.expires_in, accountId };
}

function encodeForm(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

function knownScopes(clients: readonly OAuthTestClient[], resources: Readonly<Record<string, OAuthTestResource>>): string[] {
  const scopes = new Set<string>(clients.some((c) => c.offlineAccess === true) ? ['openid', 'offline_access'] : []);
  for (const text of [...clients.map((c) => c.scope), ...Object.values(resources).map((r) => r.scope)]) {
    for (const scope of text?.split(' ') ?? []) if (scope !== '') scopes.add(scope);
  }
  return [...scopes];
}

/**
 * oidc-provider's adapter contract: clients come from the fixture's live map (so revoking or
 * re-keying takes effect at once — the provider looks a non-static client up on every request),
 * everything else lives in plain in-memory maps that disappear with the server.
 *
 * The reuse grace period lives here too: within `graceMs` of its consumption a refresh token is
 * found once as if unconsumed, so oidc-provider accepts (and rotates) it once more.
 */
function createAdapterFactory(
  clients: Map<string, ClientMetadata>,
  grace: { graceMs: number; now: () => number; onGraceReuse: () => void },
): (model: string) => unknown {
  const stores = new Map<string, Map<string, Payload>>();
  const consumedAt = new Map<string, number>();
  const graceSpent = new Set<string>();
  return (model) => {
    if (model === 'Client') {
      return {
        find: async (id: string) => clients.get(id),
        upsert: async (id: string, payload: ClientMetadata) => void clients.set(id, payload),
        destroy: async (id: string) => void clients.delete(id),
      };
    }
    let store = stores.get(model);
    if (store === undefined) {
      store = new Map();
      stores.set(model, store);
    }
    const items = store;
    const withGrace = model === 'RefreshToken' && grace.graceMs > 0;
    return {
      find: async (id: string) => {
        const payload = items.get(id);
        const since = consumedAt.get(id);
        if (!withGrace || payload?.['consumed'] === undefined || since === undefined || graceSpent.has(id)) return payload;
        if (grace.now() - since >= grace.graceMs) return payload;
        graceSpent.add(id);
        grace.onGraceReuse();
        const { consumed: _consumed, ...unconsumed } = payload;
        return unconsumed;
      },
      findByUid: async (uid: string) => [...items.values()].find((payload) => payload['uid'] === uid),
      findByUserCode: async (code: string) => [...items.values()].find((payload) => payload['userCode'] === code),
      upsert: async (id: string, payload: Payload) => void items.set(id, payload),
      consume: async (id: string) => {
        const payload = items.get(id);
        if (payload === undefined) return;
        payload['consumed'] = Math.floor(Date.now() / 1000);
        if (!consumedAt.has(id)) consumedAt.set(id, grace.now());
      },
      destroy: async (id: string) => void items.delete(id),
      revokeByGrantId: async (grantId: string) => {
        for (const [id, payload] of items) if (payload['grantId'] === grantId) items.delete(id);
      },
    };
  };
}

function delay(ms: number, pending: Set<() => void>): Promise<void> {
  return new Promise<void>((resolve) => {
    const release = (): void => {
      clearTimeout(timer);
      pending.delete(release);
      resolve();
    };
    const timer = setTimeout(release, ms);
    timer.unref();
    pending.add(release);
  });
}

function credentialsIn(ctx: ProviderContext): TokenRequestRecord['credentialsIn'] {
  if (/^basic /i.test(ctx.get('authorization'))) return 'header';
  if (typeof ctx.oidc?.body?.['client_secret'] === 'string') return 'body';
  return 'none';
}

function stringParam(ctx: ProviderContext, name: string): string | undefined {
  const value = ctx.oidc?.params?.[name] ?? ctx.oidc?.body?.[name];
  return typeof value === 'string' ? value : undefined;
}

function emptyRecord(ctx: ProviderContext, status: number): TokenRequestRecord {
  return {
    clientId: undefined,
    credentialsIn: /^basic /i.test(ctx.get('authorization')) ? 'header' : 'none',
    grantType: undefined,
    scope: undefined,
    resource: undefined,
    audience: undefined,
    status,
    error: undefined,
  };
}

function oauthErrorOf(body: unknown): string | undefined {
  const error = (body as { error?: unknown } | undefined)?.error;
  return typeof error === 'string' ? error : undefined;
}

function recordOf(ctx: ProviderContext): TokenRequestRecord {
  return {
    clientId: ctx.oidc?.client?.clientId,
    credentialsIn: credentialsIn(ctx),
    grantType: stringParam(ctx, 'grant_type'),
    scope: stringParam(ctx, 'scope'),
    resource: stringParam(ctx, 'resource'),
    audience: stringParam(ctx, 'audience'),
    status: ctx.status,
    error: oauthErrorOf(ctx.body),
  };
}
