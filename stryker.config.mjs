// StrykerJS over the lock and the refresh protocol: `npm run test:mutation` (see docs/mutation.md).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts' },
  mutate: ['src/refresher/**/*.ts', 'src/lock/**/*.ts'],
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  // Two cores on the shared machine; each runner also starts dynalite and the emulator in-process.
  concurrency: 2,
  timeoutMS: 5_000,
  // A static mutant (module-level code, run once at import) has no per-test coverage, so Stryker
  // would run the whole suite for each; docs/mutation.md lists how many this leaves out.
  ignoreStatic: true,
  reporters: ['clear-text', 'html', 'json', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  // Stryker rewrites the tsconfig's `extends`/`references` for its sandbox through the TypeScript
  // JS API, which TypeScript 7 (the native compiler) no longer has. Ours has neither, so pointing
  // Stryker at a file that does not exist skips a rewrite that would change nothing.
  tsconfigFile: 'tsconfig.stryker-has-nothing-to-rewrite.json',
};
