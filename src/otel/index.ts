export { openTelemetryListener, type OpenTelemetryListenerOptions } from './listener.js';
