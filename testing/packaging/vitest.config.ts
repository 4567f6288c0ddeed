import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'packaging',
    include: ['*.test.ts'],
    // After every other project: npm and tsc would take the CPU from the timing-sensitive
    // store and adapter tests on a 2-core machine.
    sequence: { groupOrder: 1 },
    testTimeout: 60_000,
    // Packing and a cold `npm install` of the peers from the registry.
    hookTimeout: 180_000,
  },
});
