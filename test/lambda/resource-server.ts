import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OAuthServer } from '../../devkit/oauth-server.js';

/** One API call as the resource server judged it. */
export interface ApiCall {
  token: string;
  /** Whether the identity provider's introspection called the token active when it arrived. */
  active: boolean;
  status: number;
}

/** An OAuth-protected API on loopback that checks every bearer token with the IdP's introspection. */
export interface ResourceServer {
  readonly url: string;
  readonly calls: readonly ApiCall[];
  /** From now on, answer 401 to `token` (as an API does after the IdP revoked it). */
  reject(token: string): void;
  close(): Promise<void>;
}

/**
 * Starts the API the example handler calls. It answers 200 to an active token and 401 otherwise, and
 * records each call, so a test can prove that no caller ever sent an expired token.
 *
 * @example
 * ```ts
 * const api = await startResourceServer(oauth);
 * // … handlers call api.url with `Authorization: Bearer <token>` …
 * expect(api.calls.every((call) => call.active)).toBe(true);
 * ```
 */
export async function startResourceServer(oauth: OAuthServer): Promise<ResourceServer> {
  const calls: ApiCall[] = [];
  const rejected = new Set<string>();
  const server = createServer((request, response) => {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
    void oauth.introspect(token).then(
      ({ active }) => {
        const status = active && !rejected.has(token) ? 200 : 401;
        calls.push({ token, active, status });
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: status === 200 }));
      },
      () => response.writeHead(502).end(),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/orders`,
    calls,
    reject: (token) => rejected.add(token),
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
