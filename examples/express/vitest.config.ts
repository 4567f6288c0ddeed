import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'example-express',
    include: ['test/**/*.test.ts'],
    // Each area starts its own app (database, migrations, maybe a temporary PostgreSQL
    // database and Redis prefix): one file at a time, and room for a slow CI machine.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
