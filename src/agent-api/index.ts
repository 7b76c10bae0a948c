/**
 * `token-refresher/agent-api`: the Secrets Manager Agent's HTTP API (`GET /secretsmanager/get`)
 * served from refreshers, for callers in any language — by the worker (`--serve`) and the Lambda
 * extension.
 */
export { AgentApi, type AgentApiOptions, type AgentRequest, type AgentTokenSource, type ServedSecret } from './agent-api.js';
export { AgentAnswer } from './answer.js';
export { assertLoopbackHost, isLoopbackAddress } from './loopback.js';
export { PATH_PREFIX, parseSecretQuery, QUERY_PATH, type SecretQuery } from './query.js';
export type { AgentSecretValue } from './secret-value.js';
export { DEFAULT_AGENT_PORT, startAgentApiServer, type AgentApiServer, type AgentApiServerOptions } from './server.js';
export { resolveSsrfToken, SSRF_TOKEN_HEADERS, SSRF_TOKEN_VARIABLES } from './ssrf-token.js';
