import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Servers and the CLI run compiled (dist/), so every test run starts from a fresh build.
    globalSetup: ['test/setup/build.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // End-to-end files measure throughput: running them side by side on 2 cores would skew the numbers.
    fileParallelism: false,
  },
});
