/**
 * Errors of the Secrets Manager emulator. The emulator is standalone (it never imports the library),
 * so it has its own small hierarchy instead of the library's `TokenRefresherError`.
 */

/**
 * An error the emulator answers with, shaped as AWS shapes it: the `__type` code (`type`), the
 * `Message`, and the HTTP status (400 for every client error, 500 for `InternalServiceError`).
 *
 * @example
 * ```ts
 * try {
 *   model.getSecretValue({ SecretId: 'missing' });
 * } catch (error) {
 *   if (error instanceof SecretsManagerServiceError) console.log(error.type); // ResourceNotFoundException
 * }
 * ```
 */
export class SecretsManagerServiceError extends Error {
  /** The AWS error code, sent as `__type` and `x-amzn-errortype`. */
  readonly type: string;
  /** The HTTP status the wire layer answers with. */
  readonly statusCode: number;

  constructor(type: string, message: string, options: { statusCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = type;
    this.type = type;
    this.statusCode = options.statusCode ?? 400;
  }
}

/**
 * An option given to the emulator itself (not to an AWS operation) is invalid; the message names
 * the option and what it accepts.
 *
 * @example
 * ```ts
 * await startSecretsManagerEmulator({ port: -1 }); // throws EmulatorConfigurationError
 * ```
 */
export class EmulatorConfigurationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The emulator's data directory cannot be used: a record other than the last one is corrupt,
 * another emulator holds the folder, or a write to disk failed. (A torn *last* record is expected
 * after a crash and is dropped silently.)
 *
 * @example
 * ```ts
 * await startSecretsManagerEmulator({ dataDir }).catch((error) => {
 *   if (error instanceof EmulatorStorageError) console.error(error.message); // names the folder and the problem
 * });
 * ```
 */
export class EmulatorStorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Builders for the errors whose AWS text the spec records, so every operation words them alike. */
export const awsErrors = {
  /** REPL-WRITE: any write to a replica in its own Region (AWS's code and text, see docs/secrets-manager-replication.md). */
  replicaReadOnly: () =>
    new SecretsManagerServiceError(
      'InvalidParameterException',
      "Operation not permitted on a replica secret. Call must be made in primary secret's region.",
    ),
  /** SM-ID-7. */
  secretNotFound: () => new SecretsManagerServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret."),
  /** SM-GET-2 / SM-GET-5 / SM-GET-8. */
  noValueForStage: (stage: string) =>
    new SecretsManagerServiceError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for staging label: ${stage}`),
  /** SM-GET-3 / SM-GET-8. */
  noValueForVersionId: (versionId: string) =>
    new SecretsManagerServiceError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`),
  /** SM-GET-4. */
  stageNotOnVersion: () =>
    new SecretsManagerServiceError('InvalidRequestException', 'You provided a VersionStage that is not associated to the provided VersionId.'),
  /** SM-GET-10. */
  versionPurged: (versionId: string) =>
    new SecretsManagerServiceError(
      'InvalidRequestException',
      `You can't perform this operation on secret version ${versionId} because it was deleted.`,
    ),
  /** SM-GET-6 / SM-DEL-5. */
  markedForDeletion: () =>
    new SecretsManagerServiceError('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion."),
  /** SM-CREATE-3. */
  secretExists: (name: string) =>
    new SecretsManagerServiceError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`),
  /** SM-CREATE-5 / SM-PUT-4 / SM-UPD-5. */
  tokenInUse: (token: string, arn: string) =>
    new SecretsManagerServiceError(
      'ResourceExistsException',
      `You can't use ClientRequestToken ${token} because that value is already in use for a version of secret ${arn}.`,
    ),
  /** SM-CREATE-6. */
  nameScheduledForDeletion: () =>
    new SecretsManagerServiceError(
      'InvalidRequestException',
      "You can't create this secret because a secret with this name is already scheduled for deletion.",
    ),
  /** SM-WIRE-10. */
  missingClientRequestToken: () =>
    new SecretsManagerServiceError('InvalidRequestException', 'You must provide a ClientRequestToken value. We recommend a UUID-type value.'),
  /** SM-PUT-1. */
  missingValue: () => new SecretsManagerServiceError('InvalidRequestException', 'You must provide either SecretString or SecretBinary.'),
  /** SM-PUT-1, second half: code and text unverified on AWS (emulator's choice). */
  bothValues: () => new SecretsManagerServiceError('InvalidParameterException', "You can't specify both SecretString and SecretBinary."),
  /** SM-ID-2. */
  invalidName: () =>
    new SecretsManagerServiceError(
      'ValidationException',
      'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
    ),
  /** SM-USVS-2 (recorded for AWSCURRENT; the parameter docs say it applies to every label). */
  removeFromVersionIdRequired: (stage: string, holder: string) =>
    new SecretsManagerServiceError(
      'InvalidParameterException',
      `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder}, so you must explicitly reference that version in RemoveFromVersionId.`,
    ),
  /** SM-USVS-6 / SM-MODEL-3 (note AWS's typographic apostrophe). */
  cannotRemoveCurrent: () =>
    new SecretsManagerServiceError(
      'InvalidParameterException',
      'You can only move staging label AWSCURRENT to a different secret version. It can’t be completely removed.',
    ),
  /** SM-QUOTA-9. */
  throttled: () => new SecretsManagerServiceError('ThrottlingException', 'Rate exceeded'),
} as const;
