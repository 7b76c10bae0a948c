import type { RefresherLogger } from '../refresher/events.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { ConfigurationError } from '../shared/errors.js';

/**
 * Log levels, least to most severe.
 *
 * @example
 * ```ts
 * LOG_LEVELS.includes(process.env.LOG_LEVEL as LogLevel);
 * ```
 */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * One of {@link LOG_LEVELS}.
 *
 * @example
 * ```ts
 * const level: LogLevel = 'debug';
 * ```
 */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Options for {@link createJsonLogger}.
 *
 * @example
 * ```ts
 * createJsonLogger({ level: 'warn', write: (line) => process.stderr.write(line) });
 * ```
 */
export interface JsonLoggerOptions {
  /** The least severe level written. Default `info`. */
  level?: LogLevel;
  /** Receives each line, newline included. Default: standard output. */
  write?: (line: string) => void;
  /** Fields on every line, e.g. `{ service: 'token-refresher-worker' }`. */
  fields?: Record<string, unknown>;
  clock?: Clock;
}

/**
 * A logger that writes one JSON object per line — `{"time","level","message",…fields}` — in the
 * shape log pipelines (CloudWatch Logs Insights, Loki, Elastic) parse without configuration. It
 * satisfies the refresher's logger interface, whose attributes never hold a token; errors become
 * `{ name, message }` (no stack: it adds nothing an operator can act on and may hold request data).
 *
 * @example
 * ```ts
 * const logger = createJsonLogger({ level: 'debug', fields: { service: 'token-refresher-worker' } });
 * logger.info('refreshed', { generation: 7 });
 * // {"time":"2026-11-26T19:00:00.000Z","level":"info","message":"refreshed","service":"token-refresher-worker","generation":7}
 * ```
 */
export function createJsonLogger(options: JsonLoggerOptions = {}): RefresherLogger {
  const level = options.level ?? 'info';
  if (!LOG_LEVELS.includes(level)) {
    throw new ConfigurationError(`Log level must be one of ${LOG_LEVELS.join(', ')}; got ${JSON.stringify(level)}.`);
  }
  const threshold = LOG_LEVELS.indexOf(level);
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const clock = options.clock ?? systemClock;
  const base = options.fields ?? {};
  const logAt =
    (at: LogLevel) =>
    (message: string, ...attributes: unknown[]): void => {
      if (LOG_LEVELS.indexOf(at) < threshold) return;
      const fields: Record<string, unknown> = {};
      const extra: unknown[] = [];
      for (const attribute of attributes) {
        if (isPlainObject(attribute)) Object.assign(fields, attribute);
        else extra.push(attribute);
      }
      const line = {
        time: new Date(clock.now()).toISOString(),
        level: at,
        message,
        ...base,
        ...fields,
        ...(extra.length > 0 ? { attributes: extra } : {}),
      };
      write(`${JSON.stringify(line, replacer)}\n`);
    };
  return { debug: logAt('debug'), info: logAt('info'), warn: logAt('warn'), error: logAt('error') };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Error);
}

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === 'bigint') return value.toString();
  return value;
}
