import { describe, expect, it } from 'vitest';
import { formatFootnote, formatMarkdownTable, formatTargets, formatTextTable } from '../../../scripts/loadtest/table.js';
import { runResultFixture } from '../support/run-result-fixture.js';

describe('Function: formatTextTable', () => {
  it('prints one aligned row per run under a header', () => {
    const lines = formatTextTable([runResultFixture({ strategy: 'naive' }), runResultFixture()]).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^strategy\s+run\s+fault\s+seed\s+gens\s+IdP calls/);
    expect(lines[2]).toMatch(/^naive\s+local\s+none\s+1\s+3\s+3\s+3 \(3\)\s+8\/3\/3/);
    expect(lines[3]).toMatch(/^locked\s+local\s+none/);
    expect(lines[2]?.indexOf('none')).toBe(lines[3]?.indexOf('none'));
  });
});

describe('Function: formatMarkdownTable', () => {
  it('makes a GitHub table with the same columns', () => {
    const lines = formatMarkdownTable([runResultFixture()]).split('\n');
    expect(lines[0]?.startsWith('| strategy | run | fault |')).toBe(true);
    expect(lines[1]).toMatch(/^\| ---( \| ---)+ \|$/);
    expect(lines[2]).toContain('| locked | local | none | 1 |');
    expect(lines[0]?.split('|').length).toBe(lines[2]?.split('|').length);
  });
});

describe('Function: formatTargets', () => {
  it('prints each check with PASS or FAIL and its target', () => {
    const run = runResultFixture({
      targets: [
        { name: 'IdP calls per generation', ok: true, actual: 1, limit: '= 1' },
        { name: 'tokens served expired', ok: false, actual: 2, limit: '= 0' },
      ],
    });
    expect(formatTargets([run]).split('\n')).toEqual([
      'PASS  locked/none: IdP calls per generation = 1 (target = 1)',
      'FAIL  locked/none: tokens served expired = 2 (target = 0)',
    ]);
  });
});

describe('Function: formatFootnote', () => {
  it('states the workload and when the prices were read', () => {
    const text = formatFootnote([runResultFixture()]);
    expect(text).toContain('P=2 processes × C=3 callers, token lifetime 4 s');
    expect(text).toContain('prices read on 2026-11-26');
  });
});
