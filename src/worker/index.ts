export {
  RefreshWorker,
  type CycleOutcome,
  type RefreshWorkerOptions,
  type RunOnceOptions,
  type WorkerRefresher,
  type WorkerStatus,
} from './worker.js';
export { startHealthServer, type HealthServer, type HealthServerOptions } from './health.js';
export { createJsonLogger, LOG_LEVELS, type JsonLoggerOptions, type LogLevel } from './json-logger.js';
export { loadRefreshModule } from './refresh-module.js';
export { closeWithin } from './shutdown.js';
