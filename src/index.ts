export { TokenRefresherError, ConfigurationError } from './shared/errors.js';
export type { Clock } from './shared/clock.js';
export { systemClock } from './shared/clock.js';
