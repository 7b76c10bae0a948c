/**
 * What a process loads once it touches the lock: contending for the lease (`contention.ts`, which
 * brings holding it, `holding.ts`) and the lease lock itself. A reader that finds a fresh token
 * never loads this module. It is one module, imported by `reader-path.ts` and by the refresher's
 * `LazyLock`, rather than one dynamic import per part: a bundler that splits gives each dynamic
 * import's share of the eagerly loaded code a chunk of its own, and every chunk costs a file, its
 * imports and exports at the cold start. The check that finds the lease busy loads the holding code
 * with it, which the lock's code, loaded for that check anyway, outweighs.
 */
export { contend } from './contention.js';
export { LeaseLock } from '../lock/lease-lock.js';
