export { TokenRefresherResources, type TokenRefresherResourcesProps } from './token-refresher-resources.js';
export type { TokenRefresherMonitoring, TokenRefresherMonitoringProps } from './monitoring.js';
