import { ConfigurationError } from './errors.js';

/** The longest duration a timing option accepts: longer is a unit mistake (seconds given as ms…). */
export const DAY_MS = 86_400_000;

/** The numbers a numeric option accepts. */
export interface NumberRange {
  /** The smallest accepted value, or the bound it must exceed when `above` is set. */
  min: number;
  above?: boolean;
  max?: number;
  /** Only integers (which also rules out NaN and ±Infinity, as every range does). */
  whole?: boolean;
  /** What the number counts, for the message: `milliseconds`, `seconds`. */
  unit?: string;
  /** What else the option accepts or how to do without it, appended to the message in brackets. */
  note?: string;
}

/** A duration that must be more than zero, with no upper bound. */
export const POSITIVE_MS: NumberRange = { min: 0, above: true, unit: 'milliseconds' };

/** A value as a message may show it: strings quoted, objects and functions by kind only. */
function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  if (typeof value === 'function') return 'a function';
  return String(value);
}

/**
 * The one shape of every option error: the option, what it accepts, and what it was given.
 *
 * @example
 * ```ts
 * throw invalidOption('lockName', 'a non-empty string', ''); // Option "lockName" must be a non-empty string; got "".
 * ```
 */
export function invalidOption(name: string, expected: string, value: unknown): ConfigurationError {
  return new ConfigurationError(`Option "${name}" must be ${expected}; got ${shown(value)}.`);
}

function describeRange({ min, above = false, max, whole = false, unit, note }: NumberRange): string {
  const kind = `${whole ? 'a whole number' : 'a number'}${unit === undefined ? '' : ` of ${unit}`}`;
  const bounds = above
    ? ` greater than ${min}${max === undefined ? '' : ` and at most ${max}`}`
    : max === undefined
      ? `, at least ${min}`
      : ` from ${min} to ${max}`;
  return `${kind}${bounds}${note === undefined ? '' : ` (${note})`}`;
}

/**
 * Returns `value` if it is a finite number in `range`; throws a {@link ConfigurationError} naming the range otherwise.
 *
 * @example
 * ```ts
 * checkNumber('leaseMs', 0, { min: 1, max: DAY_MS, whole: true, unit: 'milliseconds' });
 * // throws: Option "leaseMs" must be a whole number of milliseconds from 1 to 86400000; got 0.
 * ```
 */
export function checkNumber(name: string, value: unknown, range: NumberRange): number {
  const { min, above = false, max = Number.POSITIVE_INFINITY, whole = false } = range;
  if (
    typeof value === 'number' &&
    (whole ? Number.isInteger(value) : Number.isFinite(value)) &&
    (above ? value > min : value >= min) &&
    value <= max
  ) {
    return value;
  }
  throw invalidOption(name, describeRange(range), value);
}

/**
 * {@link checkNumber} for an optional option: `fallback` when `value` is undefined.
 *
 * @example
 * ```ts
 * numberOption('marginMs', options.marginMs, 500, { min: 0, max: 900_000, unit: 'milliseconds' }); // 500 when omitted
 * ```
 */
export function numberOption(name: string, value: unknown, fallback: number, range: NumberRange): number {
  return value === undefined ? fallback : checkNumber(name, value, range);
}

/** Returns `value` if it is a function or undefined. */
export function checkFunction<T>(name: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') throw invalidOption(name, 'a function', value);
  return value;
}

/**
 * Returns `value` if it is an object with each of `methods` as a function; `expected` says what the
 * option is (`'a Clock'`) for the message, which lists the methods.
 */
export function checkMethods<T extends object>(name: string, value: T, methods: readonly string[], expected: string): T {
  const candidate = value as Record<string, unknown> | null;
  if (typeof candidate !== 'object' || candidate === null || methods.some((method) => typeof candidate[method] !== 'function')) {
    throw invalidOption(name, `${expected} (with ${methods.join(', ')} ${methods.length === 1 ? 'method' : 'methods'})`, value);
  }
  return value;
}
