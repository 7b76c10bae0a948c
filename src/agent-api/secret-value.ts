import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * GetSecretValue's answer as the Secrets Manager Agent serializes it: the same field names, and
 * `CreatedDate` as a string of epoch seconds with a fraction (`"1569534789.046"`).
 */
export interface AgentSecretValue {
  ARN: string;
  Name: string;
  VersionId: string;
  SecretString: string;
  VersionStages: string[];
  CreatedDate: string;
}

/**
 * Reads each version's GetSecretValue answer once (a version's value never changes), so that the
 * API answers with the bytes Secrets Manager stores — what a client written for the Agent parses —
 * and its ARN and creation date, at one request per version per process. Concurrent requests for a
 * version share one read; only the versions of the last two generations are kept.
 */
export class SecretValueReader {
  readonly #client: SecretsManagerClient;
  readonly #secretId: string;
  readonly #versions = new Map<string, Promise<AgentSecretValue>>();

  constructor(client: SecretsManagerClient, secretId: string) {
    this.#client = client;
    this.#secretId = secretId;
  }

  /** The version's answer; shared by every caller, so one caller going away does not abort it for the others. */
  read(versionId: string): Promise<AgentSecretValue> {
    const known = this.#versions.get(versionId);
    if (known !== undefined) return known;
    const reading = this.#fetch(versionId);
    this.#versions.set(versionId, reading);
    reading.catch(() => this.#versions.delete(versionId));
    while (this.#versions.size > 2) this.#versions.delete(this.#versions.keys().next().value as string);
    return reading;
  }

  async #fetch(versionId: string): Promise<AgentSecretValue> {
    const value = await this.#client.send(new GetSecretValueCommand({ SecretId: this.#secretId, VersionId: versionId }));
    return {
      ARN: value.ARN ?? '',
      Name: value.Name ?? '',
      VersionId: value.VersionId ?? versionId,
      SecretString: value.SecretString ?? '',
      VersionStages: value.VersionStages ?? [],
      CreatedDate: value.CreatedDate === undefined ? '0' : String(value.CreatedDate.getTime() / 1000),
    };
  }
}
