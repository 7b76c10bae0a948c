import { AgentAnswer } from './answer.js';

/** What a request asks for: GetSecretValue's parameters, as the Agent names them. */
export interface SecretQuery {
  secretId: string;
  versionId?: string;
  versionStage?: string;
  /** Replace the cached value now (the Agent re-reads the secret; we replace the token, see the server). */
  refreshNow: boolean;
}

/** The path of the query form, `GET /secretsmanager/get?secretId=…`. */
export const QUERY_PATH = '/secretsmanager/get';
/** The prefix of the path form, `GET /v1/<secretId>?…`. */
export const PATH_PREFIX = '/v1/';

/**
 * Parses `GET /secretsmanager/get?secretId=…[&versionId=…][&versionStage=…][&refreshNow=true]` or
 * `GET /v1/<secretId>?…` with the Agent's rules: an unknown parameter, a missing secret id or a
 * `refreshNow` other than true/false/1/0 is a 400 with the Agent's message.
 *
 * @example
 * ```ts
 * parseSecretQuery(new URL('http://localhost/secretsmanager/get?secretId=prod/api-token&refreshNow=1'));
 * // { secretId: 'prod/api-token', refreshNow: true }
 * ```
 */
export function parseSecretQuery(url: URL): SecretQuery | AgentAnswer {
  const fromPath = url.pathname.startsWith(PATH_PREFIX);
  let secretId = '';
  if (fromPath) {
    try {
      secretId = decodeURIComponent(url.pathname.slice(PATH_PREFIX.length));
    } catch {
      return AgentAnswer.text(400, 'invalid secret ID');
    }
    if (secretId === '') return AgentAnswer.text(400, 'missing secret ID');
  }
  const query: SecretQuery = { secretId, refreshNow: false };
  for (const [name, value] of url.searchParams) {
    if (name === 'secretId' && !fromPath) query.secretId = value;
    else if (name === 'versionId') query.versionId = value;
    else if (name === 'versionStage') query.versionStage = value;
    else if (name === 'refreshNow') {
      const parsed = REFRESH_NOW_VALUES[value.toLowerCase()];
      if (parsed === undefined) return AgentAnswer.text(400, 'invalid refreshNow value');
      query.refreshNow = parsed;
    } else return AgentAnswer.text(400, `unknown parameter: ${name}`);
  }
  if (query.secretId === '') return AgentAnswer.text(400, 'missing parameter secretId');
  return query;
}

const REFRESH_NOW_VALUES: Readonly<Record<string, boolean>> = { true: true, '1': true, false: false, '0': false };
