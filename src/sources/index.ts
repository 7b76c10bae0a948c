export { oauth2ClientCredentials } from './oauth2-client-credentials.js';
export { oauth2RefreshToken } from './oauth2-refresh-token.js';
export type {
  ClientAuthMethod,
  ClientSecretReference,
  ClientSecretValue,
  OAuth2ClientCredentialsOptions,
  OAuth2RefreshTokenOptions,
  OAuthClientOptions,
  OAuthRetryOptions,
  RefreshTokenParameters,
  StaticClientSecretOptions,
  StoredClientSecretOptions,
} from './oauth2-options.js';
export { OAuthError, ClientSecretUnavailableError, RefreshStateMissingError } from './errors.js';
// Re-exported so that code using only this entry point can catch what oauth2RefreshToken throws.
export { RefreshStateRejectedError } from '../refresher/errors.js';
export type {
  SourcedToken,
  RefreshSource,
  RefreshSourceContext,
  SourcedStatefulToken,
  StatefulRefreshSource,
  StatefulRefreshSourceContext,
} from './types.js';
