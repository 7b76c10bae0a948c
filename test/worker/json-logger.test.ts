import { describe, expect, it } from 'vitest';
import { createJsonLogger } from '../../src/worker/index.js';
import { VirtualTime } from '../support/virtual-time.js';

describe('Function: createJsonLogger', () => {
  it('writes one JSON object per line with time, level, message, the base fields and the attributes', () => {
    const lines: string[] = [];
    const clock = new VirtualTime().clock();
    const logger = createJsonLogger({ write: (line) => lines.push(line), fields: { service: 'worker' }, clock });
    logger.info('refreshed', { generation: 7 }, 'extra', 3);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      time: new Date(clock.now()).toISOString(),
      level: 'info',
      message: 'refreshed',
      service: 'worker',
      generation: 7,
      attributes: ['extra', 3],
    });
  });

  it('drops entries below its level', () => {
    const lines: string[] = [];
    const logger = createJsonLogger({ level: 'warn', write: (line) => lines.push(line) });
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(lines.map((line) => JSON.parse(line).level)).toEqual(['warn', 'error']);
  });

  it('writes errors as name and message only, and bigints as strings', () => {
    const lines: string[] = [];
    const logger = createJsonLogger({ write: (line) => lines.push(line) });
    const error = new TypeError('bad input');
    logger.error('failed', { error, count: 10n });
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ error: { name: 'TypeError', message: 'bad input' }, count: '10' });
    expect(lines[0]).not.toContain('at ');
  });

  it('refuses an unknown level', () => {
    expect(() => createJsonLogger({ level: 'verbose' as never })).toThrow(/Log level must be one of debug, info, warn, error; got "verbose"/);
  });
});
