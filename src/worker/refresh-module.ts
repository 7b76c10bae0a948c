import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RefreshFunction } from '../refresher/options.js';
import { ConfigurationError } from '../shared/errors.js';

/**
 * Loads the `refresh` function a module exports (named export `refresh`), for a worker whose
 * identity provider the built-in sources do not cover. A relative path is resolved against `cwd`.
 *
 * @example
 * ```ts
 * // my-refresh.js: export async function refresh({ signal }) { … return { token, expiresAt }; }
 * const refresh = await loadRefreshModule('./my-refresh.js');
 * ```
 */
export async function loadRefreshModule(path: string, cwd: string = process.cwd()): Promise<RefreshFunction> {
  if (typeof path !== 'string' || path.length === 0) {
    throw new ConfigurationError('The refresh module path must be a non-empty string.');
  }
  const url = pathToFileURL(isAbsolute(path) ? path : resolve(cwd, path)).href;
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigurationError(`Could not load the refresh module ${path}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const refresh = loaded.refresh;
  if (typeof refresh !== 'function') {
    const exported = Object.keys(loaded);
    throw new ConfigurationError(
      `The refresh module ${path} must export a function named "refresh" ({ signal, fence, previous }) => { token, expiresAt }; ` +
        `it exports ${exported.length === 0 ? 'nothing' : exported.map((name) => `"${name}"`).join(', ')}.`,
    );
  }
  return refresh as RefreshFunction;
}
