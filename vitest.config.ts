import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Two tiers. `unit` (test/**\/*.unit.test.ts): pure code, run in parallel straight from the
 * TypeScript sources, with no build, no CLI and no servers. `e2e` (every other test file): real
 * servers and the compiled CLI, one file at a time. The unit tier runs first, so a broken model or
 * report fails in seconds, before any server starts.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.unit.test.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/**/*.unit.test.ts'],
          // Servers and the CLI run compiled (dist/), so every e2e run starts from a fresh build.
          globalSetup: ['test/setup/build.ts'],
          // End-to-end files measure throughput: running them side by side on 2 cores would skew the numbers.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
