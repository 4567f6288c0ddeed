import { type CacheInstance, createCache } from '@kit/cache';
import { createRateLimiter, type RateLimiter } from '@kit/rate-limiter';
import type { Redis } from 'ioredis';
import { type Auth, createAuth } from './auth/auth.js';
import { databaseBlacklist, redisBlacklist } from './auth/blacklist.js';
import { createLoginLimiter } from './auth/login-limit.js';
import { createTokenService } from './auth/tokens.js';
import { type Database, type Db, openDatabase } from './db/database.js';
import type { ApiRoute } from './http/route.js';
import { createLogger, type Logger } from './logger.js';
import { buildOpenApiDocument } from './openapi/openapi.js';
import { apiRoutes } from './routes/index.js';
import { seedFirstSuperuser } from './seed.js';
import { createPostService, type PostService } from './services/posts.js';
import { createRateLimitService, type RateLimitService } from './services/rate-limits.js';
import { createQueueTaskRunner, queueConfig } from './services/task-queue.js';
import { createTaskRunner, type TaskRunner } from './services/tasks.js';
import { createTierService, type TierService } from './services/tiers.js';
import { createUserService, type UserService } from './services/users.js';
import { loadSettings, type Settings } from './settings.js';
import { openApiInfo } from './settings-app-info.js';
import { createStores } from './stores.js';

/** Everything an app needs, framework-free. Create one per process (or per test). */
export interface AppContext {
  settings: Settings;
  logger: Logger;
  database: Database;
  db: Db;
  services: {
    users: UserService;
    tiers: TierService;
    rateLimits: RateLimitService;
    posts: PostService;
  };
  auth: Auth;
  tasks: TaskRunner;
  /** `@kit/rate-limiter` instance; its rules come from the `rate_limit` table. */
  limiter: RateLimiter;
  /** Failed logins per account and IP (LOGIN_RATE_LIMIT_*), for `POST /api/v1/login`. */
  loginLimiter: RateLimiter;
  /** `@kit/cache` instance for the post routes. */
  cache: CacheInstance;
  /** The shared ioredis client when REDIS_URL is set. */
  redis: Redis | undefined;
  routes: readonly ApiRoute[];
  openapi: Record<string, unknown>;
  /** Drops every cached list page and post of a user (renamed or deleted users). */
  invalidateUserCache(username: string): Promise<void>;
  /** Shutdown began: task requests answer 503 from now on. */
  beginShutdown(): void;
  /**
   * Finishes running tasks within `deadlineMs` (re-queueing the rest), then closes the queue,
   * the stores, the database and the log file.
   */
  close(options?: { deadlineMs?: number }): Promise<void>;
}

export interface AppContextOptions {
  /** Merged over `process.env` (and `.env`). */
  env?: Record<string, string | undefined>;
  /**
   * Keep this context apart from others on the same servers: a temporary database on the
   * DATABASE_URL server (dropped on close) and a unique Redis key prefix.
   */
  isolate?: boolean;
  /**
   * Whether `isolate` also gives the context a database of its own; `false` keeps the one the
   * settings name (DATABASE_URL or PGLITE_DIR), e.g. one a test prepared. @default isolate
   */
  isolateDatabase?: boolean;
  /**
   * With `isolate`, share this Redis key scope instead of a random one: two instances of one
   * app in one test, on one Redis, see each other's cache entries and bus messages.
   */
  redisScope?: string;
}

/**
 * Builds the app context: settings, logs, database and migrations, first superuser, and the
 * `@kit/rate-limiter` and `@kit/cache` instances on memory or Redis.
 *
 * @example
 * const ctx = await createAppContext({ env: { PGLITE_DIR: 'memory://' } });
 * const app = createExpressApp(ctx);
 */
export async function createAppContext(options: AppContextOptions = {}): Promise<AppContext> {
  const settings = loadSettings(options.env);
  const log = createLogger(settings);
  const logger = log.logger;
  const cleanup: (() => Promise<void>)[] = [log.close];
  let taskDeadlineMs = settings.SHUTDOWN_TIMEOUT_SECONDS * 1000;
  const closeAll = async () => {
    for (const step of cleanup.reverse()) await step().catch(() => {});
  };

  try {
    const database = await openDatabase(settings, logger, {
      isolate: options.isolateDatabase ?? options.isolate,
    });
    cleanup.push(database.close);
    const { db } = database;

    const stores = createStores(settings, logger, options.isolate, options.redisScope);
    cleanup.push(stores.close);

    const users = createUserService(db);
    let limiter: RateLimiter | undefined;
    const rulesChanged = () => limiter?.invalidateRules();
    const tiers = createTierService(db, rulesChanged);
    const rateLimits = createRateLimitService(db, tiers, rulesChanged);
    const posts = createPostService(db, users);

    limiter = createRateLimiter({
      store: stores.limiterStore,
      prefix: stores.limiterPrefix,
      defaultRule: {
        limit: settings.DEFAULT_RATE_LIMIT_LIMIT,
        period: settings.DEFAULT_RATE_LIMIT_PERIOD,
      },
      resolveRule: ({ identity, path }) =>
        identity?.tier ? rateLimits.ruleFor(identity.tier, path) : null,
      logger: logger.child({ component: 'rate-limiter' }),
    });
    // With Redis, hits come from a memory layer that the bus keeps coherent across instances.
    const cache = createCache({
      store: stores.cacheStore,
      ...stores.cacheLayers,
      clientMaxAge: settings.CLIENT_CACHE_MAX_AGE,
      logger: logger.child({ component: 'cache' }),
    });
    // Before the stores: the bus's connection is a duplicate of the cache's Redis client.
    cleanup.push(() => cache.close());

    // With a Redis queue, `pnpm worker` runs the tasks; without one, this process does.
    const queue = queueConfig(settings, stores.keyScope);
    const inProcess = queue ? undefined : createTaskRunner(db, logger, settings.TASK_DELAY_MS);
    const tasks: TaskRunner = inProcess ?? createQueueTaskRunner(queue!, logger);
    cleanup.push(() => tasks.close(taskDeadlineMs));
    const loginLimiter = createLoginLimiter(
      settings,
      stores.limiterStore,
      stores.limiterPrefix,
      logger,
    );
    const blacklist = stores.redis
      ? redisBlacklist(stores.redis, stores.keyScope)
      : databaseBlacklist(db);
    const auth = createAuth(users, createTokenService(settings, logger), blacklist, logger);
    await seedFirstSuperuser(users, settings, logger);
    await inProcess?.recover();

    return {
      settings,
      logger,
      database,
      db,
      services: { users, tiers, rateLimits, posts },
      auth,
      tasks,
      limiter,
      loginLimiter,
      cache,
      redis: stores.redis,
      routes: apiRoutes,
      openapi: buildOpenApiDocument(apiRoutes, openApiInfo(settings)),
      invalidateUserCache: async (username) => {
        await cache.invalidate({
          patterns: ['{username}_posts:*', '{username}_post_cache:*'],
          params: { username },
        });
      },
      beginShutdown: () => tasks.stopAccepting(),
      close: async (closeOptions = {}) => {
        taskDeadlineMs = closeOptions.deadlineMs ?? taskDeadlineMs;
        await closeAll();
      },
    };
  } catch (error) {
    logger.error({ err: error }, 'failed to start');
    await closeAll();
    throw error;
  }
}
