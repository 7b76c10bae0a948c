import { SecretsManagerServiceError, type SecretsManagerModel } from '../../src/local/secrets-manager/index.js';
import { envelopeCodec } from '../../src/token/codec.js';

/**
 * Reads a token secret straight from the emulator's model (uncounted, no SDK). Strict on purpose: a
 * secret that is not there yet reads as `undefined` — the one answer a poll may wait through — and
 * every other failure (a value that is not an envelope, a version the listing names but the model
 * cannot return) throws, so an assertion never accepts a reading that silently came back empty.
 */

/**
 * Whether `error` is the emulator saying the secret (or the label or version asked for) does not
 * exist: the one failure a reader may turn into "nothing stored".
 */
export function isNotFound(error: unknown): boolean {
  return error instanceof SecretsManagerServiceError && error.type === 'ResourceNotFoundException';
}

/** The envelope's generation; throws when the value is not an envelope. */
function generationOf(secretString: string | undefined, where: string): number {
  const { generation } = envelopeCodec.decode(secretString ?? '');
  if (generation === undefined) throw new Error(`${where} holds an envelope without a generation`);
  return generation;
}

/**
 * The generation AWSCURRENT holds, or `undefined` while the secret has no AWSCURRENT (nothing was
 * refreshed yet). Throws on anything else.
 *
 * @example
 * ```ts
 * while ((storedGeneration(model, secretId) ?? 0) < 4) await invoke();
 * ```
 */
export function storedGeneration(model: SecretsManagerModel, secretId: string): number | undefined {
  let secretString: string | undefined;
  try {
    secretString = model.getSecretValue({ SecretId: secretId, VersionStage: 'AWSCURRENT' }).SecretString;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  return generationOf(secretString, `AWSCURRENT of ${secretId}`);
}

/** What a secret holds once refreshed: AWSCURRENT's generation and every version's token. */
export interface StoredSecret {
  generation: number;
  versions: number;
  /** The token of every version, labelled or not; never empty (a stored secret has a version). */
  tokens: string[];
}

/**
 * The secret as stored; throws when there is no AWSCURRENT, when any version does not decode, or
 * when the secret has no version — so a leak scan over `tokens` always scans something.
 *
 * @example
 * ```ts
 * const { tokens } = storedSecret(model, secretId);
 * for (const token of tokens) expect(log).not.toContain(token);
 * ```
 */
export function storedSecret(model: SecretsManagerModel, secretId: string): StoredSecret {
  const current = model.getSecretValue({ SecretId: secretId, VersionStage: 'AWSCURRENT' });
  const generation = generationOf(current.SecretString, `AWSCURRENT of ${secretId}`);
  const versions = model.listSecretVersionIds({ SecretId: secretId, IncludeDeprecated: true, MaxResults: 100 }).Versions ?? [];
  if (versions.length === 0) throw new Error(`${secretId} has an AWSCURRENT but lists no versions`);
  const tokens = versions.map(
    (version) => envelopeCodec.decode(model.getSecretValue({ SecretId: secretId, VersionId: version.VersionId }).SecretString ?? '').token,
  );
  return { generation, versions: versions.length, tokens };
}
