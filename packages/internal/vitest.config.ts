import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'internal',
    include: ['test/**/*.test.ts'],
  },
});
