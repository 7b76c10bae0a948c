import { ConfigurationError } from '../shared/errors.js';

/** A non-secret value stored next to the lease, e.g. the refresher's commit record. */
export type AttributeValue = string | number | boolean;

/** The partition key of the lock table: one item per lock name. */
export const PARTITION_KEY = 'pk';

/**
 * Item attributes that belong to the lock protocol. Callers' attributes may not use these names,
 * nor any other name starting with `lock`, which is reserved for the lock's future use.
 */
export const LOCK_ATTRIBUTES = {
  owner: 'lockOwner',
  rvn: 'lockRvn',
  fence: 'lockFence',
  epoch: 'lockEpoch',
  leaseMs: 'lockLeaseMs',
  expiresAt: 'lockExpiresAt',
  ttl: 'lockTtl',
} as const;

/** The TTL attribute (epoch seconds) that {@link ensureLockTable} enables. Cleanup only. */
export const TTL_ATTRIBUTE = LOCK_ATTRIBUTES.ttl;

/** DynamoDB's limit on a partition key value. */
const MAX_LOCK_NAME_BYTES = 2048;

/** One lock item, as stored. */
export interface LockRecord {
  name: string;
  /** Present while the lock is held (until release). */
  owner?: string;
  /** The record version: a fresh random id on every write. */
  rvn?: string;
  /** Incremented on every acquire; never reset by release. */
  fence: number;
  /** A random id fixed when the item was first created. */
  epoch?: string;
  /** The lease the holder promised, in ms. Observers time takeovers with this value. */
  leaseMs?: number;
  /** The holder's wall clock plus its lease, in epoch ms. Informational except for the opt-in fast path. */
  expiresAt?: number;
  /** Epoch seconds after which DynamoDB may delete the item (cleanup only). */
  ttl?: number;
  /** The caller's non-secret attributes (the commit record). */
  attributes: Record<string, AttributeValue>;
}

/** The attributes a caller commits: `null` removes one. */
export type AttributeUpdate = Record<string, AttributeValue | null>;

const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,255}$/;
const MAX_STRING_BYTES = 16 * 1024;

/**
 * Throws a {@link ConfigurationError} naming the first lock name that DynamoDB could not store as
 * a partition key value.
 */
export function validateLockName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ConfigurationError(`Lock name must be a non-empty string, got ${describe(name)}.`);
  }
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_LOCK_NAME_BYTES) {
    throw new ConfigurationError(
      `Lock name is ${bytes} bytes long in UTF-8; DynamoDB allows at most ${MAX_LOCK_NAME_BYTES}: use a shorter name (e.g. a hash of it).`,
    );
  }
}

/**
 * Throws a {@link ConfigurationError} for attribute names that collide with the lock's own or that
 * DynamoDB would refuse, and for values that are not plain strings, finite numbers, booleans or null.
 */
export function validateAttributeUpdate(attributes: unknown): asserts attributes is AttributeUpdate {
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
    throw new ConfigurationError(`Committed attributes must be a plain object, got ${describe(attributes)}.`);
  }
  for (const [name, value] of Object.entries(attributes)) {
    if (!ATTRIBUTE_NAME.test(name)) {
      throw new ConfigurationError(`Attribute name "${name.slice(0, 64)}" is invalid: use 1-255 letters, digits, "_", "." or "-".`);
    }
    if (name === PARTITION_KEY || name.startsWith('lock')) {
      throw new ConfigurationError(
        `Attribute name "${name}" is reserved by the lock ("${PARTITION_KEY}" and names starting with "lock"): rename it.`,
      );
    }
    if (value === null || typeof value === 'boolean') continue;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) {
        throw new ConfigurationError(`Attribute "${name}" must be a finite number, got ${value}.`);
      }
      continue;
    }
    if (typeof value === 'string') {
      if (Buffer.byteLength(value, 'utf8') > MAX_STRING_BYTES) {
        throw new ConfigurationError(
          `Attribute "${name}" is longer than ${MAX_STRING_BYTES} bytes: the lock item holds small, non-secret metadata only.`,
        );
      }
      continue;
    }
    throw new ConfigurationError(`Attribute "${name}" must be a string, a finite number, a boolean or null (to remove it), got ${describe(value)}.`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length === 0 ? 'an empty string' : 'a string';
  return typeof value;
}
