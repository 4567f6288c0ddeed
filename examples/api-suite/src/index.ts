import { registerAuth } from './areas/auth.js';
import { registerCache } from './areas/cache.js';
import { registerDocs } from './areas/docs.js';
import { registerPagination } from './areas/pagination.js';
import { registerPosts } from './areas/posts.js';
import { registerRateLimitDetails } from './areas/rate-limit-details.js';
import { registerRateLimits } from './areas/rate-limits.js';
import { registerTasks } from './areas/tasks.js';
import { registerTiers } from './areas/tiers.js';
import { registerUsers } from './areas/users.js';
import { registerValidation } from './areas/validation.js';
import { registerWalkthrough } from './areas/walkthrough.js';
import type { ApiSuiteTarget } from './fixtures.js';

export { ApiClient, type ApiResponse } from './client.js';
export { ADMIN, type ApiSuiteTarget, type RunningApp, SECRET_KEY, SUITE_ENV } from './fixtures.js';

/**
 * Registers the one HTTP test suite of the example apps (issue 4) against an app. Each area
 * starts its own fresh app through `target.start(env)`, so rate-limit counters and cached
 * pages never leak from one area into another. Uses vitest's `describe`/`it`.
 *
 * @example
 * registerApiSuite({
 *   name: 'express',
 *   async start(env) {
 *     const ctx = await createAppContext({ env: { PGLITE_DIR: 'memory://', ...env }, isolate: true });
 *     const server = createExpressApp(ctx).listen(0, '127.0.0.1');
 *     // ...wait for 'listening', then:
 *     return { baseUrl: `http://127.0.0.1:${port}`, close: async () => { ... } };
 *   },
 * });
 */
export function registerApiSuite(target: ApiSuiteTarget): void {
  registerWalkthrough(target);
  registerRateLimits(target);
  registerRateLimitDetails(target);
  registerAuth(target);
  registerUsers(target);
  registerTiers(target);
  registerPosts(target);
  registerCache(target);
  registerPagination(target);
  registerTasks(target);
  registerValidation(target);
  registerDocs(target);
}
