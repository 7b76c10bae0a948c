export { oauth2ClientCredentials } from './oauth2-client-credentials.js';
export type {
  ClientAuthMethod,
  OAuth2ClientCredentialsOptions,
  OAuthRetryOptions,
  StaticClientSecretOptions,
  StoredClientSecretOptions,
} from './oauth2-options.js';
export { OAuthError, ClientSecretUnavailableError } from './errors.js';
export type { SourcedToken, RefreshSource, RefreshSourceContext } from './types.js';
