import { describe, expect, it } from 'vitest';
import { formatRegionTables } from '../../../scripts/loadtest/region-table.js';
import type { RunResult } from '../../../scripts/loadtest/run-result.js';
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

describe('Function: formatRegionTables', () => {
  it('prints, per run across Regions, the worldwide line and one row per Region with the fleet last; one-Region runs print nothing', () => {
    const multiRegion: NonNullable<RunResult['multiRegion']> = {
      primary: 'us-east-1',
      names: ['us-east-1', 'eu-west-1'],
      injectedLagMs: 1_000,
      perRegion: [
        {
          region: 'us-east-1',
          processes: 1,
          calls: 2_500,
          servedExpired: 0,
          olderAfterNewer: 0,
          minRemainingMs: 900,
          errors: {},
          getSecretValue: { servedHere: 5, toPrimary: 0 },
          replicaBehind: 0,
          replicaLag: null,
        },
        {
          region: 'eu-west-1',
          processes: 1,
          calls: 2_500,
          servedExpired: 0,
          olderAfterNewer: 1,
          minRemainingMs: 800,
          errors: { TokenUnavailableError: 2 },
          getSecretValue: { servedHere: 1, toPrimary: 2 },
          replicaBehind: 2,
          replicaLag: { region: 'eu-west-1', versionsArrived: 3, versionsMissing: 0, lagMs: { median: 1_004, max: 1_050 }, inSyncAtEnd: true },
        },
      ],
    };
    expect(formatRegionTables([runResultFixture()])).toBe('');
    const lines = formatRegionTables([runResultFixture({ multiRegion })]).split('\n');
    expect(lines[0]).toBe('**locked** — none: worldwide 3 generations, 3 IdP calls (1.00 per generation), 3 versions; DynamoDB 0 reads / 6 writes.');
    expect(lines[4]).toBe('| us-east-1 (primary) | 1 | 2,500 | 5 | 0 | 0 | – | – | 0 | 0 | 0 |');
    expect(lines[5]).toBe('| eu-west-1 | 1 | 2,500 | 1 | 2 | 2 | 1,004 / 1,050 | yes | 0 | 1 | 2 TokenUnavailableError |');
    expect(lines[6]).toMatch(/^\| \*\*fleet\*\* \| 2 \| 5,000 \| 8 \|/);
  });
});
