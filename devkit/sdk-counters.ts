import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const THROTTLING_ERRORS = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
]);

/** Calls counted at the SDK, one per HTTP attempt (SDK retries included), by operation. */
export interface SdkCallCounts {
  /** Attempts per operation, e.g. `{ GetSecretValue: 3, UpdateItem: 2 }`. */
  attempts: Record<string, number>;
  /** Failed attempts per `Operation:ErrorName`. */
  errors: Record<string, number>;
  /** Attempts answered with a throttling error. */
  throttled: number;
  /** `ConditionalCheckFailedException` answers (failed conditional writes). */
  conditionalFailures: number;
}

/** A version id that a PutSecretValue answer named, with when it was first seen. */
export interface SeenVersion {
  versionId: string;
  at: number;
  /** The secret's name as the answer gave it (a process may write more than one secret: a token and its refresh state). */
  secretName?: string;
}

/**
 * Counts what a process really sends: a middleware in the `deserialize` step (inside the retry
 * loop, so each attempt counts) on each client it is attached to. It records the version ids that
 * PutSecretValue answers carry, never a request or response body.
 *
 * @example
 * ```ts
 * const counter = new SdkCallCounter();
 * const secretsManager = counter.attach(new SecretsManagerClient({}));
 * // … use the client …
 * counter.snapshot().attempts.GetSecretValue;
 * ```
 */
export class SdkCallCounter {
  readonly #counts: SdkCallCounts = { attempts: {}, errors: {}, throttled: 0, conditionalFailures: 0 };
  readonly #versions = new Map<string, { at: number; secretName: string | undefined }>();

  readonly #now: () => number;
  readonly #middlewareName: string;

  /**
   * `middlewareName` names the middleware on each client: attaching a counter twice replaces its
   * own middleware, while two counters with different names both count one client's calls.
   */
  constructor(now: () => number = Date.now, middlewareName = 'loadtestCallCounter') {
    this.#now = now;
    this.#middlewareName = middlewareName;
  }

  /** Installs the counting middleware on `client` and returns the client. */
  attach<Client extends SecretsManagerClient | DynamoDBClient>(client: Client): Client {
    // The two clients' stacks have different generic parameters; the middleware only needs the
    // operation name from the context, so it is added through the common shape.
    (client.middlewareStack as unknown as MiddlewareStackLike).add(
      (next, context) => async (args) => {
        const operation = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
        this.#counts.attempts[operation] = (this.#counts.attempts[operation] ?? 0) + 1;
        try {
          const result = await next(args);
          const output = result.output as { VersionId?: unknown; Name?: unknown } | undefined;
          const versionId = output?.VersionId;
          if (operation === 'PutSecretValue' && typeof versionId === 'string' && !this.#versions.has(versionId)) {
            this.#versions.set(versionId, { at: this.#now(), secretName: typeof output?.Name === 'string' ? output.Name : undefined });
          }
          return result;
        } catch (error) {
          const name = error instanceof Error ? error.name : 'UnknownError';
          const key = `${operation}:${name}`;
          this.#counts.errors[key] = (this.#counts.errors[key] ?? 0) + 1;
          if (THROTTLING_ERRORS.has(name)) this.#counts.throttled += 1;
          if (name === 'ConditionalCheckFailedException') this.#counts.conditionalFailures += 1;
          throw error;
        }
      },
      { step: 'deserialize', priority: 'high', name: this.#middlewareName, override: true },
    );
    return client;
  }

  /** A copy of the counts so far. */
  snapshot(): SdkCallCounts {
    return structuredClone(this.#counts);
  }

  /** Version ids created (as PutSecretValue answered them) with when each was first seen. */
  seenVersions(): SeenVersion[] {
    return [...this.#versions].map(([versionId, { at, secretName }]) => ({ versionId, at, ...(secretName === undefined ? {} : { secretName }) }));
  }
}

type Handler = (args: unknown) => Promise<{ output: unknown; response: unknown }>;
interface MiddlewareStackLike {
  add(
    middleware: (next: Handler, context: { commandName?: string }) => Handler,
    options: { step: 'deserialize'; priority: 'high'; name: string; override: boolean },
  ): void;
}
