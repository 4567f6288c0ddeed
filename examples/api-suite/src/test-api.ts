import type { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The test functions the suite registers its tests with. The caller hands them in, so the suite
 * imports no test runner itself (vitest's types describe the shape; any runner with the same
 * `describe`/`it`/`expect`/hooks fits).
 *
 * @example
 * import { afterAll, beforeAll, describe, expect, it } from 'vitest';
 * registerApiSuite(target, { describe, it, expect, beforeAll, afterAll });
 */
export interface TestApi {
  describe: typeof describe;
  it: typeof it;
  expect: typeof expect;
  beforeAll: typeof beforeAll;
  afterAll: typeof afterAll;
}

/** The assertion function alone, for helpers that only check. */
export type Expect = TestApi['expect'];
