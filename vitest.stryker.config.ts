import { defineConfig } from 'vitest/config';

// The suite StrykerJS runs against each mutant of src/refresher and src/lock (`npm run test:mutation`).
// Only the tests of those two folders, less the ones that spend seconds of real time per test (real
// child processes, fleets, the randomized simulation): with per-test coverage every mutant those
// cover would run them, and they prove fleet properties that the faster tests pin piece by piece.
export default defineConfig({
  test: {
    include: ['test/refresher/**/*.test.ts', 'test/lock/**/*.test.ts'],
    exclude: [
      'test/refresher/fleet.test.ts',
      'test/refresher/fleet-crash.test.ts',
      'test/lock/processes.test.ts',
      'test/lock/simulation.test.ts',
      'test/refresher/refresh-state-crash.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
