import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each test's prefix, directory and cleanups, and the leak check after each file.
    setupFiles: ['test/helpers/test-hook.ts'],
    // Integration tests share one machine's Redis and processes; run files one at a time
    // so timing-sensitive tests (stalls, retries) are not starved on a 2-core machine.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
