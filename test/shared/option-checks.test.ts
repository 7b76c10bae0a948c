import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/shared/errors.js';
import { checkFunction, checkMethods, checkNumber, DAY_MS, invalidOption, numberOption, POSITIVE_MS } from '../../src/shared/option-checks.js';

describe('Function: invalidOption', () => {
  it.each([
    ['text', '"text"'],
    [7, '7'],
    [null, 'null'],
    [undefined, 'undefined'],
    [[1], 'an array'],
    [{ secret: 's3cr3t' }, 'an object'],
    [() => 's3cr3t', 'a function'],
  ])('shows %o as %s, never the contents of an object or a function', (value, shown) => {
    const error = invalidOption('name', 'something', value);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe(`Option "name" must be something; got ${shown}.`);
  });
});

describe('Function: checkNumber', () => {
  it('returns the value at both ends of an inclusive range', () => {
    expect(checkNumber('n', 1, { min: 1, max: DAY_MS })).toBe(1);
    expect(checkNumber('n', DAY_MS, { min: 1, max: DAY_MS })).toBe(DAY_MS);
  });

  it('excludes the lower bound when above is set, and says so', () => {
    expect(checkNumber('n', 0.001, { min: 0, above: true })).toBe(0.001);
    expect(() => checkNumber('n', 0, { min: 0, above: true, max: 5, unit: 'milliseconds' })).toThrow(
      'Option "n" must be a number of milliseconds greater than 0 and at most 5; got 0.',
    );
    expect(() => checkNumber('n', 0, { min: 0, above: true })).toThrow('Option "n" must be a number greater than 0; got 0.');
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, '3', null])('refuses %o although it compares within the range', (value) => {
    expect(() => checkNumber('n', value, { min: 0 })).toThrow('Option "n" must be a number, at least 0; got');
  });

  it('refuses fractions when whole is set and appends the note', () => {
    expect(checkNumber('n', 4, { min: 1, whole: true })).toBe(4);
    expect(() => checkNumber('n', 1.5, { min: 1, whole: true, unit: 'seconds', note: 'or false for none' })).toThrow(
      'Option "n" must be a whole number of seconds, at least 1 (or false for none); got 1.5.',
    );
    expect(() => checkNumber('n', 11, { min: 1, max: 10, whole: true })).toThrow('Option "n" must be a whole number from 1 to 10; got 11.');
  });
});

describe('Function: numberOption', () => {
  it('gives the fallback for an omitted option and checks a given one against the range', () => {
    expect(numberOption('refreshWindowMs', undefined, 300_000, POSITIVE_MS)).toBe(300_000);
    expect(numberOption('refreshWindowMs', 5, 300_000, POSITIVE_MS)).toBe(5);
    expect(() => numberOption('refreshWindowMs', 0, 300_000, POSITIVE_MS)).toThrow(
      'Option "refreshWindowMs" must be a number of milliseconds greater than 0; got 0.',
    );
    expect(() => numberOption('refreshWindowMs', null, 300_000, POSITIVE_MS)).toThrow('got null.');
  });
});

describe('Function: checkFunction', () => {
  it('passes a function or undefined through and refuses anything else', () => {
    const listener = (): void => undefined;
    expect(checkFunction('onEvent', listener)).toBe(listener);
    expect(checkFunction('onEvent', undefined)).toBeUndefined();
    expect(() => checkFunction('onEvent', 'log')).toThrow('Option "onEvent" must be a function; got "log".');
  });
});

describe('Function: checkMethods', () => {
  it('needs every named method to be a function', () => {
    const logger = { debug() {}, info() {} };
    expect(checkMethods('logger', logger, ['debug', 'info'], 'a logger')).toBe(logger);
    expect(() => checkMethods('logger', { debug() {}, info: 1 }, ['debug', 'info'], 'a logger')).toThrow(
      'Option "logger" must be a logger (with debug, info methods); got an object.',
    );
    expect(() => checkMethods('logger', null as never, ['debug'], 'a logger')).toThrow('got null.');
  });
});
