/**
 * The one list of test projects. vitest 4 no longer reads this file by itself, so
 * `vitest.config.ts` imports it as `test.projects`.
 */
export default [
  'packages/*/vitest.config.ts',
  'examples/*/vitest.config.ts',
  'testing/packaging/vitest.config.ts',
];
