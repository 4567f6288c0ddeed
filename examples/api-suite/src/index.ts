import { registerAccountTokens } from './areas/account-tokens.js';
import { registerAuth } from './areas/auth.js';
import { registerBlacklistFaults } from './areas/blacklist-faults.js';
import { registerBoundedInput } from './areas/bounded-input.js';
import { registerCache } from './areas/cache.js';
import { registerDatabaseFaults } from './areas/database-faults.js';
import { registerDocs } from './areas/docs.js';
import { registerDocsEnvironment } from './areas/docs-environment.js';
import { registerLoginLimits } from './areas/login-limits.js';
import { registerLogs } from './areas/logs.js';
import { registerMethods } from './areas/methods.js';
import { registerOriginalSchema } from './areas/original-schema.js';
import { registerPagination } from './areas/pagination.js';
import { registerPasswordMigration } from './areas/password-migration.js';
import { registerPosts } from './areas/posts.js';
import { registerQueueFaults } from './areas/queue-faults.js';
import { registerRateLimitDetails } from './areas/rate-limit-details.js';
import { registerRateLimits } from './areas/rate-limits.js';
import { registerRedisUrls } from './areas/redis-urls.js';
import { registerSessions } from './areas/sessions.js';
import { registerTaskRetries } from './areas/task-retries.js';
import { registerTasks } from './areas/tasks.js';
import { registerTiers } from './areas/tiers.js';
import { registerTwoInstances } from './areas/two-instances.js';
import { registerUsers } from './areas/users.js';
import { registerValidation } from './areas/validation.js';
import { registerWalkthrough } from './areas/walkthrough.js';
import { registerWorkerFaults } from './areas/worker-faults.js';
import { registerWorkerShutdown } from './areas/worker-shutdown.js';
import type { ApiSuiteTarget } from './fixtures.js';
import type { TestApi } from './test-api.js';

export { ApiClient, type ApiResponse } from './client.js';
export {
  ADMIN,
  type ApiSuiteTarget,
  type RunningApp,
  SECRET_KEY,
  type SqlQuery,
  type StartOptions,
  SUITE_ENV,
} from './fixtures.js';
export {
  ORIGINAL_DATA,
  ORIGINAL_SCHEMA,
  ORIGINAL_TOKEN_BLACKLIST,
  type PreparedDatabase,
  type PrepareOptions,
  prepareDatabase,
} from './original-database.js';
export { type ProcessSuiteTarget, registerProcessSuite } from './process-suite.js';
export type { Expect, TestApi } from './test-api.js';

/**
 * Registers the one HTTP test suite of the example apps against an app. Each area
 * starts its own fresh app through `target.start(env)`, so rate-limit counters and cached
 * pages never leak from one area into another. The test functions come from the caller (`t`),
 * so the suite imports no test runner.
 *
 * @example
 * import { afterAll, beforeAll, describe, expect, it } from 'vitest';
 *
 * registerApiSuite({
 *   name: 'express',
 *   async start(env) {
 *     const ctx = await createAppContext({ env: { PGLITE_DIR: 'memory://', ...env }, isolate: true });
 *     const server = createExpressApp(ctx).listen(0, '127.0.0.1');
 *     // ...wait for 'listening', then:
 *     return { baseUrl: `http://127.0.0.1:${port}`, close: async () => { ... } };
 *   },
 * }, { describe, it, expect, beforeAll, afterAll });
 */
export function registerApiSuite(target: ApiSuiteTarget, t: TestApi): void {
  registerWalkthrough(target, t);
  registerRateLimits(target, t);
  registerRateLimitDetails(target, t);
  registerAuth(target, t);
  registerAccountTokens(target, t);
  registerSessions(target, t);
  registerBlacklistFaults(target, t);
  registerLoginLimits(target, t);
  registerPasswordMigration(target, t);
  registerUsers(target, t);
  registerTiers(target, t);
  registerPosts(target, t);
  registerCache(target, t);
  registerPagination(target, t);
  registerTasks(target, t);
  registerTaskRetries(target, t);
  registerValidation(target, t);
  registerDocs(target, t);
  registerDocsEnvironment(target, t);
  registerMethods(target, t);
  registerBoundedInput(target, t);
  registerOriginalSchema(target, t);
  registerTwoInstances(target, t);
  registerLogs(target, t);
  registerDatabaseFaults(target, t);
  registerRedisUrls(target, t);
  registerQueueFaults(target, t);
  registerWorkerShutdown(target, t);
  registerWorkerFaults(target, t);
}
