import { randomBytes } from 'node:crypto';
import type { CacheBus, CacheStore } from '@kit/cache';
import { memoryStore as cacheMemoryStore } from '@kit/cache/memory';
import { redisStore as cacheRedisStore, redisBus } from '@kit/cache/redis';
import type { RateLimitStore } from '@kit/rate-limiter';
import { memoryStore as limiterMemoryStore } from '@kit/rate-limiter/memory';
import { redisStore as limiterRedisStore } from '@kit/rate-limiter/redis';
import { Redis } from 'ioredis';
import type { Logger } from './logger.js';
import type { Settings } from './settings.js';

export interface Stores {
  limiterStore: RateLimitStore;
  cacheStore: CacheStore;
  /**
   * With Redis: the cache's memory layer in front of it and the bus that keeps every
   * instance's memory layer coherent (see docs/cache.md, "Two levels").
   */
  cacheLayers: { l1: CacheStore; bus: CacheBus } | undefined;
  /** Prefix of the limiter's keys (unique per context when isolated). */
  limiterPrefix: string;
  /** What every other Redis key of this context starts with (`''` unless isolated). */
  keyScope: string;
  /** The ioredis client of REDIS_URL, when it is set. */
  redis: Redis | undefined;
  close(): Promise<void>;
}

/**
 * The stores of both packages: the memory stores by default, or Redis with REDIS_URL, or with
 * REDIS_CACHE_URL / REDIS_RATE_LIMIT_URL for one of them (each defaults to REDIS_URL; the same
 * URL shares one client). With `isolate`, keys get a unique prefix so contexts sharing a Redis
 * never see each other's counters or cache entries.
 */
export function createStores(
  settings: Settings,
  logger: Logger,
  isolate = false,
  sharedScope?: string,
): Stores {
  const scope = isolate ? (sharedScope ?? `kitex${randomBytes(4).toString('hex')}:`) : '';
  const clients = new Map<string, Redis>();
  const clientFor = (url: string | undefined) => {
    if (!url) return undefined;
    let client = clients.get(url);
    if (!client) {
      client = connectRedis(url, logger);
      clients.set(url, client);
    }
    return client;
  };
  const limiterRedis = clientFor(settings.REDIS_RATE_LIMIT_URL ?? settings.REDIS_URL);
  const cacheRedis = clientFor(settings.REDIS_CACHE_URL ?? settings.REDIS_URL);
  return {
    limiterStore: limiterRedis ? limiterRedisStore({ client: limiterRedis }) : limiterMemoryStore(),
    cacheStore: cacheRedis
      ? cacheRedisStore({ client: cacheRedis, prefix: `${scope}cache:` })
      : cacheMemoryStore(),
    // A memory layer in front of the cache's Redis, kept coherent across instances by its bus.
    cacheLayers: cacheRedis
      ? {
          l1: cacheMemoryStore({ maxEntries: 10_000, maxBytes: 32 * 1024 * 1024 }),
          bus: redisBus({ client: cacheRedis, channel: `${scope}kit:cache:bus` }),
        }
      : undefined,
    limiterPrefix: `${scope}ratelimit`,
    keyScope: scope,
    redis: clientFor(settings.REDIS_URL),
    close: async () => {
      for (const redis of clients.values()) {
        if (isolate) await deleteScope(redis, scope).catch(() => {});
        await redis.quit().catch(() => redis.disconnect());
      }
    },
  };
}

function connectRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    // Fail commands fast while disconnected: both packages then apply their outage policy
    // (the limiter allows and logs, the cache bypasses) instead of hanging requests.
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    // Requests that arrive together share one write and one Redis read: measured to cut Redis
    // CPU per request to about a third under HTTP load (docs/rate-limiter.md, "Client settings").
    enableAutoPipelining: true,
  });
  let lastError = 0;
  redis.on('error', (error) => {
    // ioredis retries forever and emits on each attempt: log at most every 10 s.
    if (Date.now() - lastError < 10_000) return;
    lastError = Date.now();
    logger.warn({ err: error }, 'redis connection error');
  });
  return redis;
}

/** Removes an isolated context's keys, so test runs leave the shared Redis as they found it. */
async function deleteScope(redis: Redis, scope: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `*${scope}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}
