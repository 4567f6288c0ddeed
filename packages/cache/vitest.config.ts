import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'cache',
    include: ['test/**/*.test.ts'],
    // Suites share one Redis server: run files one after another.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
