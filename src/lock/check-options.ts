import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfigurationError } from '../shared/errors.js';
import { checkTuning, type LeaseLockOptions, type TunedOptions } from './options.js';
import type { LockStore } from './store.js';

/** Where the lock items live: a store given ready, or the table a `DynamoDbLockStore` is built on. */
export type StoreSource = { kind: 'store'; store: LockStore } | { kind: 'table'; client: DynamoDBClient; tableName: string };

/**
 * The validated options, before the store is built. Kept apart from building it so that a caller
 * can check a lock's options up front and build the store (and load the lock's code) later.
 */
export interface CheckedOptions extends TunedOptions {
  storeSource: StoreSource;
}

/**
 * Checks every option up front and fills in the defaults, without building the store. Throws
 * {@link ConfigurationError}.
 *
 * @example
 * ```ts
 * checkOptions({ client, tableName: 'locks', heartbeatMs: 5_000 }); // throws: leaseMs (10000) must be more than twice heartbeatMs (5000)…
 * ```
 */
export function checkOptions(options: LeaseLockOptions): CheckedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('LeaseLock needs an options object: { client, tableName } or { store }.');
  }
  return { storeSource: resolveStoreSource(options), ...checkTuning(options) };
}

function resolveStoreSource(options: LeaseLockOptions): StoreSource {
  if (options.store !== undefined) {
    if (options.client !== undefined || options.tableName !== undefined) {
      throw new ConfigurationError('Give either store, or client and tableName, not both.');
    }
    return { kind: 'store', store: options.store };
  }
  if (options.client === undefined || typeof (options.client as { send?: unknown }).send !== 'function') {
    throw new ConfigurationError('LeaseLock needs client (a DynamoDBClient) and tableName, or a store.');
  }
  if (typeof options.tableName !== 'string' || !/^[A-Za-z0-9_.-]{3,255}$/.test(options.tableName)) {
    throw new ConfigurationError(
      `tableName must be a DynamoDB table name (3-255 letters, digits, "_", "." or "-"), got ${JSON.stringify(options.tableName)}.`,
    );
  }
  return { kind: 'table', client: options.client, tableName: options.tableName };
}
