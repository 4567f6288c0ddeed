import type { CacheInstance, RouteOptions } from '@kit/cache';
import type { RateLimiter } from '@kit/rate-limiter';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisDriver } from 'bentocache/drivers/redis';
import type { Redis } from 'ioredis';
import { RedisStore } from 'rate-limit-redis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
} from 'rate-limiter-flexible';
import { makePage, type Page } from '../cache/page.js';
import {
  CACHE_KEY_PREFIX,
  CACHE_TTL_SECONDS,
  HIGH_LIMIT,
  type StoreKind,
  type Variant,
  WINDOW_SECONDS,
} from './catalog.js';

/*
 * The pieces the framework modules assemble, built as each library's docs set them up, with
 * defaults left alone except the limit (high, so every request is allowed) and the window.
 */

/** What a framework module gets to build a variant: the variant and, on demand, Redis. */
export interface ServerContext {
  variant: Variant;
  /** The server's one ioredis connection (default options: the app's own client). */
  redis(): Promise<Redis>;
  /** A key prefix no other server of the run uses. */
  prefix: string;
  /**
   * Our packages' logger: the console's lines, counted, so a row whose store timed out (and
   * whose outage policy answered instead) is flagged. Both packages throttle some of these.
   */
  logger: {
    warn(details: Record<string, unknown>, message: string): void;
    error(details: Record<string, unknown>, message: string): void;
  };
}

/** A variant that cannot run yet (our Fastify adapters before they exist); not a failure. */
export class Unavailable extends Error {}

export const WINDOW_MS = WINDOW_SECONDS * 1000;
const TTL_MS = CACHE_TTL_SECONDS * 1000;

/** The route options of every `@kit/cache` row. */
export const CACHE_ROUTE_OPTIONS: RouteOptions = {
  keyPrefix: CACHE_KEY_PREFIX,
  resourceIdName: 'username',
  expiration: CACHE_TTL_SECONDS,
};

/** The handler's work on a miss (and on every request of the bare app). */
export function pageFor(params: { page?: string | undefined }): Page {
  return makePage(Number(params.page));
}

/** The key the bentocache rows use: the same string our template builds. */
export function pageKey(params: { username?: string | undefined; page?: string | undefined }) {
  return `${params.username}_posts:page_${params.page}`;
}

function storeOf(ctx: ServerContext): StoreKind {
  const store = ctx.variant.store;
  if (!store) throw new Error(`${ctx.variant.id} has no store`);
  return store;
}

/**
 * A dynamic import that reports a module which does not exist (yet) instead of throwing: our
 * Fastify adapters are written while this bench is, and the section must run without them.
 */
export async function importOrUnavailable<T>(specifier: string, reason: string): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_PACKAGE_PATH_NOT_EXPORTED' || code === 'ERR_MODULE_NOT_FOUND') {
      throw new Unavailable(reason);
    }
    throw error;
  }
}

/** Our limiter: `createRateLimiter({ store, defaultRule })` on the variant's store. */
/** The reference rows' adapter options: no rate-limit headers, as the peers without them. */
export const HEADERS_OFF = { standardHeaders: false, legacyHeaders: false } as const;

/**
 * The two draft-8 headers ours writes for the bench's rule, as constants: what the no-op row
 * that writes headers sets, so the cost of any two such headers is measured apart from ours.
 */
export const TWO_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['ratelimit-policy', '"api_v1_tasks";q=1000000000;w=3600'],
  ['ratelimit', '"api_v1_tasks";r=999999999;t=3600'],
];

/**
 * A server under valgrind runs about 50 times slower in wall time, so our default store
 * timeouts (250 ms, 200 ms) would fire and the outage policy, not the store, would answer:
 * the instruction count sets `BENCH_STORE_TIMEOUT_MS` to keep the store's path measured.
 */
const SLOW_STORE_TIMEOUT_MS = Number(process.env.BENCH_STORE_TIMEOUT_MS) || 0;

export async function oursLimiter(ctx: ServerContext): Promise<RateLimiter> {
  const { createRateLimiter } = await import('@kit/rate-limiter');
  const store =
    storeOf(ctx) === 'memory'
      ? (await import('@kit/rate-limiter/memory')).memoryStore()
      : (await import('@kit/rate-limiter/redis')).redisStore({ client: await ctx.redis() });
  return createRateLimiter({
    store,
    defaultRule: { limit: HIGH_LIMIT, period: WINDOW_SECONDS },
    prefix: `${ctx.prefix}ratelimit`,
    logger: ctx.logger,
    ...(SLOW_STORE_TIMEOUT_MS ? { storeTimeout: SLOW_STORE_TIMEOUT_MS } : {}),
  });
}

/** Our cache: `createCache({ store })` on the variant's store. */
export async function oursCache(ctx: ServerContext): Promise<CacheInstance> {
  const { createCache } = await import('@kit/cache');
  const store =
    storeOf(ctx) === 'memory'
      ? (await import('@kit/cache/memory')).memoryStore()
      : (await import('@kit/cache/redis')).redisStore({
          client: await ctx.redis(),
          prefix: ctx.prefix,
        });
  return createCache({
    store,
    logger: ctx.logger,
    ...(SLOW_STORE_TIMEOUT_MS ? { timeout: SLOW_STORE_TIMEOUT_MS } : {}),
  });
}

/** rate-limiter-flexible's limiter, to be wrapped in a middleware as its README does. */
export async function rlfLimiter(ctx: ServerContext): Promise<RateLimiterAbstract> {
  const options = { points: HIGH_LIMIT, duration: WINDOW_SECONDS, keyPrefix: `${ctx.prefix}rlf` };
  return storeOf(ctx) === 'memory'
    ? new RateLimiterMemory(options)
    : new RateLimiterRedis({ ...options, storeClient: await ctx.redis() });
}

/**
 * express-rate-limit's Redis store (`rate-limit-redis`) over ioredis `call`, as its README
 * shows; hono-rate-limiter takes the same store. Undefined on memory: the peer's default.
 */
export async function rateLimitRedisStore(ctx: ServerContext): Promise<RedisStore | undefined> {
  if (storeOf(ctx) === 'memory') return undefined;
  const client = await ctx.redis();
  return new RedisStore({
    sendCommand: (command: string, ...args: string[]) =>
      client.call(command, ...args) as Promise<never>,
    prefix: `${ctx.prefix}rlr:`,
  });
}

/** The window and limit in express-rate-limit's (and hono-rate-limiter's) option names. */
export const RATE_LIMIT_WINDOW: { windowMs: number; limit: number } = {
  windowMs: WINDOW_MS,
  limit: HIGH_LIMIT,
};

/** A page source the handler awaits; bentocache's `getOrSet` behind it. */
export type PageSource = (params: {
  username?: string | undefined;
  page?: string | undefined;
}) => Promise<Page>;

/**
 * bentocache with one layer: an L1 memory driver, or an L2 Redis driver alone (no L1, so each
 * hit is a round trip, like our Redis store). The handler calls `getOrSet` under our key.
 */
export async function bentoPages(ctx: ServerContext): Promise<PageSource> {
  const layer =
    storeOf(ctx) === 'memory'
      ? bentostore().useL1Layer(memoryDriver({ maxItems: 10_000 }))
      : bentostore().useL2Layer(
          redisDriver({ connection: await ctx.redis(), prefix: `${ctx.prefix}bento` }),
        );
  const cache = new BentoCache({ default: 'cache', stores: { cache: layer } });
  return (params) =>
    cache.getOrSet({ key: pageKey(params), factory: () => pageFor(params), ttl: TTL_MS });
}

/**
 * apicache needs a node_redis (v2/v3) client: it checks `redisClient.connected` and uses
 * callback-style `hgetall`/`hset`/`expire`, all of which ioredis has except `connected`. This
 * adds that one property, so apicache runs on the same client library as every other row.
 */
export function apicacheRedis(client: Redis): Redis & { connected: boolean } {
  Object.defineProperty(client, 'connected', { get: () => client.status === 'ready' });
  return client as Redis & { connected: boolean };
}
