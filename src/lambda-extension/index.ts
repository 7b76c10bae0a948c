/**
 * The Agent API as an external Lambda extension: `token-refresher worker --lambda-extension`, run
 * by the layer's `extensions/token-refresher` launcher (see `scripts/build-extension.ts`).
 */
export {
  runLambdaExtension,
  type ExtensionExit,
  type ExtensionSetup,
  type ExtensionTokenProvider,
  type LambdaExtensionOptions,
} from './extension.js';
export { ExtensionsApiClient, ExtensionsApiError, type ExtensionEvent } from './extensions-api.js';
