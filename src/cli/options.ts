import { InvalidArgumentError } from 'commander';

/** Parses a TCP port option: a whole number from 0 (any free port) to 65535. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new InvalidArgumentError(`expected a port from 0 to 65535, got "${value}"`);
  }
  return port;
}

/** Parses a positive whole number of milliseconds. */
export function parseMilliseconds(value: string): number {
  const ms = Number(value);
  if (!/^\d+$/.test(value) || ms <= 0) {
    throw new InvalidArgumentError(`expected a positive whole number of milliseconds, got "${value}"`);
  }
  return ms;
}

/** Parses a positive whole number of seconds (the `--interval` of `status --watch`). */
export function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || seconds <= 0) {
    throw new InvalidArgumentError(`expected a positive number of seconds, got "${value}"`);
  }
  return seconds;
}

/** Parses a positive whole count (the `--frames` of `status --watch`). */
export function parseCount(value: string): number {
  const count = Number(value);
  if (!/^\d+$/.test(value) || count <= 0) {
    throw new InvalidArgumentError(`expected a positive whole number, got "${value}"`);
  }
  return count;
}
