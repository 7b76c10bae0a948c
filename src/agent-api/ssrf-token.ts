import { readFileSync } from 'node:fs';
import { ConfigurationError } from '../shared/errors.js';

/**
 * Where the Secrets Manager Agent looks for its SSRF token, in order: `AWS_TOKEN` (set it yourself,
 * on a container host or a sidecar), then `AWS_SESSION_TOKEN` (present in every Lambda environment),
 * then `AWS_CONTAINER_AUTHORIZATION_TOKEN` (SnapStart and EKS Pod Identity). A value `file://<path>`
 * names a file that holds the token.
 *
 * @example
 * ```ts
 * SSRF_TOKEN_VARIABLES.find((name) => process.env[name] !== undefined);
 * ```
 */
export const SSRF_TOKEN_VARIABLES = ['AWS_TOKEN', 'AWS_SESSION_TOKEN', 'AWS_CONTAINER_AUTHORIZATION_TOKEN'] as const;

/**
 * The request headers that may carry the SSRF token, as the Agent accepts them.
 *
 * @example
 * ```ts
 * fetch(url, { headers: { [SSRF_TOKEN_HEADERS[0]]: token } });
 * ```
 */
export const SSRF_TOKEN_HEADERS = ['X-Aws-Parameters-Secrets-Token', 'X-Vault-Token'] as const;

const FILE_PREFIX = 'file://';

/**
 * The SSRF token every request must present, found as the Agent finds it (see {@link SSRF_TOKEN_VARIABLES}),
 * so a client written for the Agent sends the value it already knows. A file's content is trimmed.
 *
 * @example
 * ```ts
 * const ssrfToken = resolveSsrfToken(process.env); // AWS_TOKEN=file:///var/run/awssmatoken → the file's content
 * ```
 */
export function resolveSsrfToken(env: NodeJS.ProcessEnv): string {
  const name = SSRF_TOKEN_VARIABLES.find((candidate) => env[candidate] !== undefined && env[candidate] !== '');
  if (name === undefined) {
    throw new ConfigurationError(
      `The Agent API needs an SSRF token that callers send in ${SSRF_TOKEN_HEADERS[0]}: set ${SSRF_TOKEN_VARIABLES.join(', ')} ` +
        `(the first one set wins), to a value or to ${FILE_PREFIX}<path of a file that holds it>. Lambda sets AWS_SESSION_TOKEN itself.`,
    );
  }
  const value = env[name] as string;
  if (!value.startsWith(FILE_PREFIX)) return value;
  const path = value.slice(FILE_PREFIX.length);
  let content: string;
  try {
    content = readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new ConfigurationError(`${name} names the SSRF token file ${path}, which cannot be read: ${(error as Error).message}`, { cause: error });
  }
  if (content === '') throw new ConfigurationError(`The SSRF token file ${path} (from ${name}) is empty.`);
  return content;
}
