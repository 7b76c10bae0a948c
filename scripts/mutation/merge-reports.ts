/**
 * Joins StrykerJS reports (mutation-testing-report-schema) of runs over disjoint files; see
 * `scripts/merge-mutation-reports.ts` for why.
 */
export interface ReportTest {
  id: string;
  name: string;
  [field: string]: unknown;
}

export interface ReportMutant {
  coveredBy?: string[];
  killedBy?: string[];
  [field: string]: unknown;
}

/** The parts of a mutation-testing-report-schema report that merging touches; the rest is kept as is. */
export interface MutationReport {
  files: Record<string, { mutants: ReportMutant[]; [field: string]: unknown }>;
  testFiles?: Record<string, { tests: ReportTest[]; [field: string]: unknown }>;
  [field: string]: unknown;
}

/**
 * Merges reports of disjoint runs; the first gives the report's other fields (schema, thresholds).
 *
 * @example
 * ```ts
 * const merged = mergeMutationReports([lockReport, refresherReport]);
 * Object.keys(merged.files); // the mutated files of both
 * ```
 */
export function mergeMutationReports(reports: readonly MutationReport[]): MutationReport {
  const [first] = reports;
  if (first === undefined) throw new Error('Give at least one report to merge.');
  const ids = new Map<string, string>();
  const testFiles: NonNullable<MutationReport['testFiles']> = {};
  const files: MutationReport['files'] = {};
  for (const report of reports) {
    const renumbered = new Map<string, string>();
    for (const [path, testFile] of Object.entries(report.testFiles ?? {})) {
      testFiles[path] ??= { ...testFile, tests: [] };
      const merged = testFiles[path];
      for (const test of testFile.tests) {
        const key = `${path}\u0000${test.name}`;
        let id = ids.get(key);
        if (id === undefined) {
          id = String(ids.size);
          ids.set(key, id);
          merged.tests.push({ ...test, id });
        }
        renumbered.set(test.id, id);
      }
    }
    const remap = (list: string[] | undefined) => list?.map((id) => renumbered.get(id) ?? id);
    for (const [path, file] of Object.entries(report.files)) {
      files[path] = {
        ...file,
        mutants: file.mutants.map((mutant) => {
          const coveredBy = remap(mutant.coveredBy);
          const killedBy = remap(mutant.killedBy);
          return { ...mutant, ...(coveredBy === undefined ? {} : { coveredBy }), ...(killedBy === undefined ? {} : { killedBy }) };
        }),
      };
    }
  }
  return { ...first, files, testFiles };
}
