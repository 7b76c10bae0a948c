import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue as DynamoValue,
  type DynamoDBClient,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { LockError, LockTableError, LockUnavailableError } from './errors.js';
import { LOCK_ATTRIBUTES, PARTITION_KEY, type AttributeUpdate, type AttributeValue, type LockRecord } from './record.js';
import type { AcquireWrite, LockStore, ReleaseWrite, RenewWrite, WriteOutcome } from './store.js';

/** Options for {@link DynamoDbLockStore}. */
export interface DynamoDbLockStoreOptions {
  client: DynamoDBClient;
  tableName: string;
}

const LOCK_NAMES = new Set<string>([PARTITION_KEY, ...Object.values(LOCK_ATTRIBUTES)]);
const THROTTLING = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'LimitExceededException']);

/** The attribute aliases every expression uses: `owner` and friends are reserved words. */
const NAMES = {
  '#owner': LOCK_ATTRIBUTES.owner,
  '#rvn': LOCK_ATTRIBUTES.rvn,
  '#fence': LOCK_ATTRIBUTES.fence,
  '#epoch': LOCK_ATTRIBUTES.epoch,
  '#leaseMs': LOCK_ATTRIBUTES.leaseMs,
  '#expiresAt': LOCK_ATTRIBUTES.expiresAt,
  '#ttl': LOCK_ATTRIBUTES.ttl,
};

/**
 * The lock table in DynamoDB, through `UpdateItem` with condition expressions. Every write returns
 * the new item (`ALL_NEW`); a refused condition returns the current item from the error when the
 * service supplies it (`ReturnValuesOnConditionCheckFailure`), else from one consistent `GetItem`
 * (dynalite, DynamoDB Local).
 *
 * @example
 * ```ts
 * const store = new DynamoDbLockStore({ client: new DynamoDBClient({}), tableName: 'locks' });
 * const lock = new LeaseLock({ store });
 * ```
 */
export class DynamoDbLockStore implements LockStore {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;

  constructor(options: DynamoDbLockStoreOptions) {
    this.#client = options.client;
    this.#tableName = options.tableName;
  }

  async read(name: string, signal?: AbortSignal): Promise<LockRecord | undefined> {
    try {
      const output = await this.#client.send(
        new GetItemCommand({ TableName: this.#tableName, Key: key(name), ConsistentRead: true }),
        signal === undefined ? {} : { abortSignal: signal },
      );
      return output.Item === undefined ? undefined : toRecord(name, output.Item);
    } catch (error) {
      throw this.#translate(name, error, signal);
    }
  }

  acquire(write: AcquireWrite): Promise<WriteOutcome> {
    const values: Record<string, DynamoValue> = {
      ':owner': { S: write.owner },
      ':rvn': { S: write.rvn },
      ':zero': { N: '0' },
      ':one': { N: '1' },
      ':epoch': { S: write.epoch },
      ':leaseMs': { N: String(write.leaseMs) },
      ':expiresAt': { N: String(write.expiresAt) },
    };
    const own = list(':own', write.ownRvns, values);
    const conditions = ['attribute_not_exists(#owner)', `#rvn IN (${own})`];
    if (write.takeoverRvn !== undefined) {
      values[':takeoverRvn'] = { S: write.takeoverRvn };
      conditions.push('#rvn = :takeoverRvn');
    }
    if (write.expiredBefore !== undefined) {
      values[':expiredBefore'] = { N: String(write.expiredBefore) };
      conditions.push('#expiresAt < :expiredBefore');
    }
    const set = [
      '#owner = :owner',
      '#rvn = :rvn',
      '#fence = if_not_exists(#fence, :zero) + :one',
      '#epoch = if_not_exists(#epoch, :epoch)',
      '#leaseMs = :leaseMs',
      '#expiresAt = :expiresAt',
    ];
    if (write.ttl !== undefined) {
      values[':ttl'] = { N: String(write.ttl) };
      set.push('#ttl = :ttl');
    }
    return this.#update(write.name, {
      UpdateExpression: `SET ${set.join(', ')}`,
      ConditionExpression: conditions.join(' OR '),
      ExpressionAttributeValues: values,
    });
  }

  renew(write: RenewWrite): Promise<WriteOutcome> {
    const values: Record<string, DynamoValue> = {
      ':owner': { S: write.owner },
      ':rvn': { S: write.rvn },
      ':leaseMs': { N: String(write.leaseMs) },
      ':expiresAt': { N: String(write.expiresAt) },
    };
    const names: Record<string, string> = {};
    const expected = list(':expected', write.expectedRvns, values);
    const set = ['#rvn = :rvn', '#leaseMs = :leaseMs', '#expiresAt = :expiresAt'];
    const remove: string[] = [];
    if (write.ttl !== undefined) {
      values[':ttl'] = { N: String(write.ttl) };
      set.push('#ttl = :ttl');
    }
    addAttributeClauses(write.attributes, { names, values, set, remove });
    return this.#update(
      write.name,
      {
        UpdateExpression: `SET ${set.join(', ')}${remove.length === 0 ? '' : ` REMOVE ${remove.join(', ')}`}`,
        ConditionExpression: `#owner = :owner AND #rvn IN (${expected})`,
        ExpressionAttributeValues: values,
      },
      names,
    );
  }

  release(write: ReleaseWrite): Promise<WriteOutcome> {
    const values: Record<string, DynamoValue> = { ':rvn': { S: write.rvn }, ':zero': { N: '0' } };
    const names: Record<string, string> = {};
    const expected = list(':expected', write.expectedRvns, values);
    const set = ['#rvn = :rvn', '#expiresAt = :zero'];
    const remove = ['#owner', '#leaseMs'];
    if (write.ttl !== undefined) {
      values[':ttl'] = { N: String(write.ttl) };
      set.push('#ttl = :ttl');
    }
    addAttributeClauses(write.attributes, { names, values, set, remove });
    return this.#update(
      write.name,
      {
        UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
        ConditionExpression: `#rvn IN (${expected})`,
        ExpressionAttributeValues: values,
      },
      names,
    );
  }

  async #update(
    name: string,
    input: Pick<UpdateItemCommandInput, 'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeValues'>,
    extraNames: Record<string, string> = {},
  ): Promise<WriteOutcome> {
    const expression = `${input.UpdateExpression} ${input.ConditionExpression}`;
    try {
      const output = await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#tableName,
          Key: key(name),
          ...input,
          ExpressionAttributeNames: { ...usedNames(expression), ...extraNames },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { applied: true, record: toRecord(name, output.Attributes ?? {}) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error | undefined)?.name === 'ConditionalCheckFailedException') {
        const item = (error as ConditionalCheckFailedException).Item;
        return { applied: false, record: item === undefined ? await this.read(name) : toRecord(name, item) };
      }
      throw this.#translate(name, error);
    }
  }

  #translate(name: string, error: unknown, signal?: AbortSignal): unknown {
    if (signal?.aborted) return signal.reason;
    const errorName = (error as Error | undefined)?.name ?? '';
    if (errorName === 'ResourceNotFoundException') {
      return new LockTableError(
        this.#tableName,
        `DynamoDB table "${this.#tableName}" does not exist (or is not in this client's Region/endpoint): ` +
          `create it with ensureLockTable() or "token-refresher init-table --table ${this.#tableName}", or fix tableName.`,
        { cause: error },
      );
    }
    if (errorName === 'ValidationException' && /key/i.test((error as Error).message)) {
      return new LockTableError(
        this.#tableName,
        `DynamoDB table "${this.#tableName}" does not have the lock's key schema: it needs a string partition key "${PARTITION_KEY}" ` +
          `and no sort key. Use a dedicated table (ensureLockTable() creates one).`,
        { cause: error },
      );
    }
    if (errorName === 'AccessDeniedException' || errorName === 'UnrecognizedClientException') {
      return new LockTableError(
        this.#tableName,
        `DynamoDB refused these credentials on table "${this.#tableName}" (${errorName}): ` +
          'grant dynamodb:GetItem and dynamodb:UpdateItem on the table to the role, or fix the credentials.',
        { cause: error },
      );
    }
    if (THROTTLING.has(errorName)) return new LockUnavailableError(name, 'throttled', { cause: error });
    // A client fault, but a retryable one: another Region's write won the moment, and ours was not applied.
    if (errorName === 'ReplicatedWriteConflictException') return new LockUnavailableError(name, 'conflict', { cause: error });
    if ((error as { $fault?: unknown } | undefined)?.$fault === 'client') {
      // A request DynamoDB refuses for what it is will be refused again: not a transient failure, and not applied.
      return new LockError(name, `DynamoDB rejected a request on lock "${name}" (${errorName}): ${(error as Error).message}`, { cause: error });
    }
    return new LockUnavailableError(name, 'unknown', { cause: error });
  }
}

function key(name: string): Record<string, DynamoValue> {
  return { [PARTITION_KEY]: { S: name } };
}

function list(prefix: string, items: readonly string[], values: Record<string, DynamoValue>): string {
  return items
    .map((item, index) => {
      values[`${prefix}${index}`] = { S: item };
      return `${prefix}${index}`;
    })
    .join(', ');
}

/** The SET and REMOVE clauses that write a lease's committed attributes (`null` removes one). */
function addAttributeClauses(
  attributes: AttributeUpdate | undefined,
  clauses: { names: Record<string, string>; values: Record<string, DynamoValue>; set: string[]; remove: string[] },
): void {
  Object.entries(attributes ?? {}).forEach(([attribute, value], index) => {
    clauses.names[`#a${index}`] = attribute;
    if (value === null) {
      clauses.remove.push(`#a${index}`);
    } else {
      clauses.values[`:a${index}`] = toDynamo(value);
      clauses.set.push(`#a${index} = :a${index}`);
    }
  });
}

function usedNames(expression: string): Record<string, string> {
  return Object.fromEntries(Object.entries(NAMES).filter(([alias]) => new RegExp(`${alias}\\b`).test(expression)));
}

function toDynamo(value: AttributeValue): DynamoValue {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  return { BOOL: value };
}

function toRecord(name: string, item: Record<string, DynamoValue>): LockRecord {
  const record: LockRecord = { name, fence: numberOf(item[LOCK_ATTRIBUTES.fence]) ?? 0, attributes: {} };
  const owner = item[LOCK_ATTRIBUTES.owner]?.S;
  const rvn = item[LOCK_ATTRIBUTES.rvn]?.S;
  const epoch = item[LOCK_ATTRIBUTES.epoch]?.S;
  const leaseMs = numberOf(item[LOCK_ATTRIBUTES.leaseMs]);
  const expiresAt = numberOf(item[LOCK_ATTRIBUTES.expiresAt]);
  const ttl = numberOf(item[LOCK_ATTRIBUTES.ttl]);
  if (owner !== undefined) record.owner = owner;
  if (rvn !== undefined) record.rvn = rvn;
  if (epoch !== undefined) record.epoch = epoch;
  if (leaseMs !== undefined) record.leaseMs = leaseMs;
  if (expiresAt !== undefined) record.expiresAt = expiresAt;
  if (ttl !== undefined) record.ttl = ttl;
  for (const [attribute, value] of Object.entries(item)) {
    if (LOCK_NAMES.has(attribute)) continue;
    if (value.S !== undefined) record.attributes[attribute] = value.S;
    else if (value.N !== undefined) record.attributes[attribute] = Number(value.N);
    else if (value.BOOL !== undefined) record.attributes[attribute] = value.BOOL;
  }
  return record;
}

function numberOf(value: DynamoValue | undefined): number | undefined {
  return value?.N === undefined ? undefined : Number(value.N);
}
