import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ClientSecretUnavailableError } from './errors.js';
import type { ClientSecretSpec } from './oauth2-options.js';

/** Where the OAuth client secret comes from. */
export interface ClientSecretSource {
  /** The secret to use now. */
  current(signal: AbortSignal | undefined): Promise<string>;
  /**
   * Called after the token endpoint rejected `rejected` with `invalid_client`. Returns a different
   * secret worth one more try, or `undefined` when there is none.
   */
  replacementFor(rejected: string, signal: AbortSignal | undefined): Promise<string | undefined>;
}

/** The source for resolved options: the secret itself, or a cached read of a Secrets Manager secret. */
export function clientSecretSource(spec: ClientSecretSpec): ClientSecretSource {
  if (spec.kind === 'static') {
    return {
      current: async () => spec.value,
      replacementFor: async () => undefined,
    };
  }
  return new StoredClientSecret(spec);
}

type StoredSpec = Extract<ClientSecretSpec, { kind: 'stored' }>;

/**
 * Reads the client secret once and keeps it: the identity provider is called once per token
 * lifetime, so reading Secrets Manager each time would double the calls for nothing. A rejected
 * secret is read again, since a rotation may have replaced it since it was cached.
 */
class StoredClientSecret implements ClientSecretSource {
  #cached: Promise<string> | undefined;
  #client: SecretsManagerClient | undefined;

  readonly #spec: StoredSpec;

  constructor(spec: StoredSpec) {
    this.#spec = spec;
    this.#client = spec.secretsManager;
  }

  current(signal: AbortSignal | undefined): Promise<string> {
    if (this.#cached === undefined) {
      const reading = this.#read(signal);
      this.#cached = reading;
      // A failed read is forgotten so that the next call tries again.
      reading.catch(() => {
        if (this.#cached === reading) this.#cached = undefined;
      });
    }
    return this.#cached;
  }

  async replacementFor(rejected: string, signal: AbortSignal | undefined): Promise<string | undefined> {
    if (this.#cached !== undefined && (await this.#cached.catch(() => undefined)) !== rejected) {
      // Someone already read a newer secret since `rejected` was handed out.
      return this.current(signal);
    }
    this.#cached = undefined;
    const fresh = await this.current(signal);
    return fresh === rejected ? undefined : fresh;
  }

  async #read(signal: AbortSignal | undefined): Promise<string> {
    const { secretId, versionStage } = this.#spec;
    this.#client ??= new SecretsManagerClient({});
    const where = `Secrets Manager secret ${secretId} (VersionStage ${versionStage})`;
    let secretString: string | undefined;
    try {
      // VersionStage is always sent: IAM conditions on secretsmanager:VersionStage see only the request.
      const output = await this.#client.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionStage: versionStage }),
        signal === undefined ? {} : { abortSignal: signal },
      );
      secretString = output.SecretString;
    } catch (cause) {
      if (signal?.aborted) throw signal.reason;
      const name = cause instanceof Error ? cause.name : 'an unknown error';
      throw new ClientSecretUnavailableError(`Could not read the OAuth client secret from ${where}: ${name}.`, { cause });
    }
    if (secretString === undefined || secretString === '') {
      throw new ClientSecretUnavailableError(`The OAuth client secret in ${where} has no SecretString; store the client secret as text.`);
    }
    return this.#spec.jsonKey === undefined ? secretString : valueAtKey(secretString, this.#spec.jsonKey, where);
  }
}

function valueAtKey(secretString: string, key: string, where: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    // The SyntaxError would quote the secret: it is not chained.
    throw new ClientSecretUnavailableError(
      `${where} is not JSON, but clientSecretJsonKey is set; remove clientSecretJsonKey or store a JSON object.`,
    );
  }
  const value = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[key] : undefined;
  if (typeof value !== 'string' || value === '') {
    throw new ClientSecretUnavailableError(`${where} has no non-empty string at key ${JSON.stringify(key)} (clientSecretJsonKey).`);
  }
  return value;
}
