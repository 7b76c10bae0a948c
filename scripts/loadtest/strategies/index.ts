import { ConfigurationError } from '../../../src/index.js';
import { createInProcessStrategy } from './in-process.js';
import { createExtensionClientStrategy } from './extension-client.js';
import { createLockedStrategy } from './locked.js';
import { createNaiveStrategy } from './naive.js';
import { STRATEGY_NAMES, type Strategy, type StrategyContext, type StrategyName } from './types.js';

/**
 * Builds the named strategy on the shared context.
 *
 * @example
 * ```ts
 * const strategy = createStrategy('in-process', context);
 * ```
 */
export function createStrategy(name: StrategyName, context: StrategyContext): Strategy {
  switch (name) {
    case 'naive':
      return createNaiveStrategy(context);
    case 'in-process':
      return createInProcessStrategy(context);
    case 'locked':
      return context.extensionClient === true ? createExtensionClientStrategy(context) : createLockedStrategy(context);
    default:
      throw new ConfigurationError(`strategy must be one of ${STRATEGY_NAMES.join(', ')}; got ${String(name)}.`);
  }
}
