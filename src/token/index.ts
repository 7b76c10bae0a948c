export type { DecodedToken, IssuedToken, TokenEnvelope } from './token.js';
export { ENVELOPE_FORMAT, envelopeCodec, type TokenCodec } from './codec.js';
export { InvalidSecretPayloadError, InvalidTokenError, type InvalidTokenReason } from './errors.js';
export {
  DEFAULT_MIN_VALIDITY_MS,
  DEFAULT_REFRESH_WINDOW_MS,
  RefreshPolicy,
  VERSIONS_PER_DAY_WARNING,
  type RefreshPolicyOptions,
  type TokenTiming,
} from './policy.js';
export { MAX_SECRET_VALUE_BYTES, encodeForSecret, validateIssuedToken, type ValidateIssuedTokenOptions } from './validate.js';
