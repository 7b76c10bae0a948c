import { describe, expect, it } from 'vitest';
import { mergeMutationReports, type MutationReport } from '../../../scripts/mutation/merge-reports.js';

const lockRun: MutationReport = {
  schemaVersion: '1.0',
  thresholds: { high: 90, low: 85 },
  files: {
    'src/lock/lease.ts': { language: 'typescript', source: 'a', mutants: [{ id: '0', status: 'Killed', coveredBy: ['0', '1'], killedBy: ['1'] }] },
  },
  testFiles: {
    'test/lock/lease.test.ts': { source: 't1', tests: [{ id: '0', name: 'Class: Lease renews' }] },
    'test/shared.test.ts': { source: 't2', tests: [{ id: '1', name: 'shared test' }] },
  },
};

const refresherRun: MutationReport = {
  schemaVersion: '1.0',
  thresholds: { high: 80, low: 60 },
  files: {
    'src/refresher/holding.ts': {
      language: 'typescript',
      source: 'b',
      mutants: [
        { id: '0', status: 'Survived', coveredBy: ['0', '1'] },
        { id: '1', status: 'NoCoverage' },
      ],
    },
  },
  testFiles: {
    'test/shared.test.ts': { source: 't2', tests: [{ id: '0', name: 'shared test' }] },
    'test/refresher/holding.test.ts': { source: 't3', tests: [{ id: '1', name: 'Function: hold commits' }] },
  },
};

describe('Function: mergeMutationReports', () => {
  it('keeps every mutated file and renumbers tests so that each id names one test across reports', () => {
    const merged = mergeMutationReports([lockRun, refresherRun]);
    expect(Object.keys(merged.files).sort()).toEqual(['src/lock/lease.ts', 'src/refresher/holding.ts']);
    expect(merged.testFiles).toEqual({
      'test/lock/lease.test.ts': { source: 't1', tests: [{ id: '0', name: 'Class: Lease renews' }] },
      'test/shared.test.ts': { source: 't2', tests: [{ id: '1', name: 'shared test' }] },
      'test/refresher/holding.test.ts': { source: 't3', tests: [{ id: '2', name: 'Function: hold commits' }] },
    });
    expect(merged.files['src/lock/lease.ts']?.mutants[0]).toMatchObject({ coveredBy: ['0', '1'], killedBy: ['1'] });
    // The refresher run's "0" was the shared test, now "1"; its "1" is the holding test, now "2".
    expect(merged.files['src/refresher/holding.ts']?.mutants[0]).toMatchObject({ coveredBy: ['1', '2'] });
    expect(merged.files['src/refresher/holding.ts']?.mutants[1]).toEqual({ id: '1', status: 'NoCoverage' });
  });

  it('takes the report fields from the first report and a file held twice from the last', () => {
    const rerun: MutationReport = { files: { 'src/lock/lease.ts': { language: 'typescript', source: 'c', mutants: [] } } };
    const merged = mergeMutationReports([lockRun, rerun]);
    expect(merged.thresholds).toEqual({ high: 90, low: 85 });
    expect(merged.files['src/lock/lease.ts']?.source).toBe('c');
  });

  it('refuses to merge nothing', () => {
    expect(() => mergeMutationReports([])).toThrow('Give at least one report to merge.');
  });
});
