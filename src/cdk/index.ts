export { TokenRefresherResources, type TokenRefresherResourcesProps } from './token-refresher-resources.js';
