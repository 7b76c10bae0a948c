export { SecretAccessError, VersionQuotaError, type VersionCensus } from './errors.js';
export { secretNameOf } from './secret-id.js';
