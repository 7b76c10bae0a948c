/**
 * The import rules of docs/DESIGN.md §7, checked by `npm run lint:deps` (part of `npm test`).
 * Each rule's name appears in a violation's message; its comment says why the rule exists.
 */

/** The package's entry points (package.json `exports`): the only files outside src/ may import. */
// The source files behind package.json `exports` (./dist/x/index.js ← src/x/index.ts), read from it so they never drift.
const PUBLIC_ENTRY_POINTS = `^src/(${Object.values(require('./package.json').exports)
  .map((entry) => entry.default.replace(/^[.]\/dist\//, '').replace(/[.]js$/, ''))
  .join('|')})[.]ts$`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'library-never-imports-local',
      comment:
        'The library ships to Lambda and workers; the local stack (dynalite, the emulator) is a development tool ' +
        'and must not be pulled into their bundles or become a hidden dependency of production code.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(local|cli)/' },
      to: { path: '^src/local/' },
    },
    {
      name: 'local-never-imports-library',
      comment:
        'The emulator and dynalite launcher stand in for AWS: if they used our library they could share its ' +
        'mistakes and stop being an independent check of it. src/local imports only src/local and packages.',
      severity: 'error',
      from: { path: '^src/local/' },
      to: { path: '^src/', pathNot: '^src/local/' },
    },
    {
      name: 'lock-and-secret-are-independent',
      comment:
        'The lease lock and the Secrets Manager access are separate concerns joined only by src/refresher, ' +
        'so each can be tested, reused and bundled alone.',
      severity: 'error',
      from: { path: '^src/(lock|secret)/' },
      to: { path: '^src/(lock|secret)/', pathNot: '^src/$1/' },
    },
    {
      name: 'only-cli-wires-everything',
      comment:
        'src/cli is the one place that wires library and local stack together (commander, process exit codes); ' +
        'nothing in the library or the local stack may depend on it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'outside-src-uses-public-api',
      comment:
        'Scripts, examples and devkit/ are written as a user would write them: through the entry points ' +
        'package.json exports, so they prove the public API suffices and internals stay free to change.',
      severity: 'error',
      from: { path: '^(scripts|examples|devkit)/' },
      to: { path: '^src/', pathNot: PUBLIC_ENTRY_POINTS },
    },
    {
      name: 'src-never-imports-dev-code',
      comment:
        'Only src/ is published (package.json `files`); an import of test/, scripts/, examples/ or devkit/ ' +
        'would break the installed package.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|scripts|examples|devkit)/' },
    },
    {
      name: 'devkit-never-imports-tests-or-scripts',
      comment: 'devkit/ is the shared home for helpers that scripts and tests both use, so it depends on neither.',
      severity: 'error',
      from: { path: '^devkit/' },
      to: { path: '^(test|scripts)/' },
    },
    {
      name: 'scripts-never-import-tests',
      comment: 'Test fixtures that scripts need live in devkit/, so scripts run without the test tree.',
      severity: 'error',
      from: { path: '^(scripts|examples)/' },
      to: { path: '^test/' },
    },
    {
      name: 'no-circular',
      comment: 'A cycle means two modules are one module in two files: it hides the order of initialisation and the layering.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing fails at run time; catch it here.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    parser: 'swc',
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|coverage|reports)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
