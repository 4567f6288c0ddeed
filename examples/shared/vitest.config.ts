import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'example-shared',
    include: ['test/**/*.test.ts'],
  },
});
