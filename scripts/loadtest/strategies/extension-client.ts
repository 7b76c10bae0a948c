import { AgentApi, startAgentApiServer } from '../../../src/agent-api/index.js';
import { createLockedRefresher } from './locked.js';
import type { ServedToken, Strategy, StrategyContext } from './types.js';

const SSRF_TOKEN = 'loadtest-ssrf-token';

/**
 * The locked strategy as a function in another language sees it: the same refresher runs as the
 * Lambda extension (or sidecar) of this process and serves the Secrets Manager Agent's HTTP API on
 * loopback; callers GET `/secretsmanager/get` with the SSRF token header and read the token out of
 * `SecretString`, as a client written for AWS's extension does.
 *
 * @example
 * ```ts
 * const strategy = createExtensionClientStrategy(context);
 * const { token } = await strategy.getToken();
 * ```
 */
export function createExtensionClientStrategy(context: StrategyContext): Strategy {
  const refresher = createLockedRefresher(context);
  const server = startAgentApiServer({
    api: new AgentApi({
      secrets: [{ secretId: context.secretId, tokens: refresher }],
      ssrfToken: SSRF_TOKEN,
      secretsManager: context.secretsManager,
    }),
    port: 0,
  });
  const url = server.then((running) => `http://127.0.0.1:${running.port}/secretsmanager/get?secretId=${encodeURIComponent(context.secretId)}`);
  return {
    async getToken(): Promise<ServedToken> {
      const response = await fetch(await url, { headers: { 'X-Aws-Parameters-Secrets-Token': SSRF_TOKEN } });
      const body = await response.text();
      if (response.status !== 200) throw new Error(`The Agent API answered HTTP ${response.status}.`);
      const { SecretString } = JSON.parse(body) as { SecretString: string };
      const { token } = JSON.parse(SecretString) as { token: string };
      return { token, source: 'memory' };
    },
    async close(): Promise<void> {
      await (await server).close();
      await refresher.close();
    },
  };
}
