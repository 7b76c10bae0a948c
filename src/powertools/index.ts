export { powertoolsListener, type PowertoolsListenerOptions } from './listener.js';
export { METRIC_NAMES } from './metric-names.js';
