/**
 * A real OAuth 2.0 authorization server on loopback, for tests, the demo and the worker: `oidc-provider`
 * configured for the client credentials grant (RFC 6749 §4.4), with token introspection (RFC 7662)
 * and resource indicators (RFC 8707), plus what tests need and a real IdP lacks — request counts, a
 * log of every token request (without secrets), latency, injected responses and dropped connections,
 * and clients that can be revoked or given a new secret while the server runs.
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
import { generateKeyPairSync, randomBytes } from 'node:crypto';
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
}

interface ProviderContext {
  method: string;
  path: string;
  status: number;
  body: unknown;
  req: IncomingMessage;
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

  const clients = new Map<string, ClientMetadata>();
  const addClient = (client: OAuthTestClient): void => {
    clients.set(client.clientId, clientMetadata(client));
  };
  for (const client of options.clients) addClient(client);
  clients.set(INTROSPECTOR_ID, clientMetadata({ clientId: INTROSPECTOR_ID, clientSecret: introspectorSecret }));

  const stats: OAuthServerStats = { tokenRequests: 0, minted: 0 };
  const requests: TokenRequestRecord[] = [];
  const injected: InjectedResponse[] = [];
  let dropsLeft = 0;
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
    adapter: createAdapterFactory(clients),
    clients: [],
    jwks: { keys: [generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // The one signing key is an EC key; clients must default to an algorithm it can serve.
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    scopes: options.scopes ?? knownScopes(options.clients, resources),
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
    },
  });
  // Koa logs every thrown error by default; the errors tests provoke on purpose are noise.
  provider.on('error', () => undefined);
  provider.on('server_error', () => undefined);

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
    resetFaults() {
      latencyMs = 0;
      injected.length = 0;
      dropsLeft = 0;
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
    async close() {
      for (const release of pendingDelays) release();
      pendingDelays.clear();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve, reject) => httpServer.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

function clientMetadata(client: OAuthTestClient): ClientMetadata {
  return {
    client_id: client.clientId,
    client_secret: client.clientSecret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: client.authMethod ?? 'client_secret_basic',
    ...(client.scope === undefined ? {} : { scope: client.scope }),
  };
}

function knownScopes(clients: readonly OAuthTestClient[], resources: Readonly<Record<string, OAuthTestResource>>): string[] {
  const scopes = new Set<string>();
  for (const text of [...clients.map((c) => c.scope), ...Object.values(resources).map((r) => r.scope)]) {
    for (const scope of text?.split(' ') ?? []) if (scope !== '') scopes.add(scope);
  }
  return [...scopes];
}

/**
 * oidc-provider's adapter contract: clients come from the fixture's live map (so revoking or
 * re-keying takes effect at once — the provider looks a non-static client up on every request),
 * everything else lives in plain in-memory maps that disappear with the server.
 */
function createAdapterFactory(clients: Map<string, ClientMetadata>): (model: string) => unknown {
  const stores = new Map<string, Map<string, Payload>>();
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
    return {
      find: async (id: string) => items.get(id),
      findByUid: async (uid: string) => [...items.values()].find((payload) => payload['uid'] === uid),
      findByUserCode: async (code: string) => [...items.values()].find((payload) => payload['userCode'] === code),
      upsert: async (id: string, payload: Payload) => void items.set(id, payload),
      consume: async (id: string) => {
        const payload = items.get(id);
        if (payload !== undefined) payload['consumed'] = Math.floor(Date.now() / 1000);
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
