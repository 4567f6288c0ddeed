import { Redis } from 'ioredis';
import { type ApiSuiteTarget, cacheStatus, createPost, createUser, useApp } from '../fixtures.js';
import type { TestApi } from '../test-api.js';

/** `redisUrl` with another logical database: a stand-in for another Redis server. */
const onDatabase = (redisUrl: string, db: number) => {
  const url = new URL(redisUrl);
  url.pathname = `/${db}`;
  return url.toString();
};

async function keysOf(url: string, pattern: string): Promise<string[]> {
  const redis = new Redis(url);
  try {
    return await redis.keys(pattern);
  } finally {
    await redis.quit();
  }
}

/**
 * REDIS_CACHE_URL and REDIS_RATE_LIMIT_URL, each defaulting to REDIS_URL, as the original
 * recommended for production (REDIS_QUEUE_URL is tested with the worker). Two logical
 * databases of the test Redis stand in for two servers. Registered with REDIS_URL.
 */
export function registerRedisUrls(target: ApiSuiteTarget, t: TestApi) {
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) return;
  const { describe, expect, it } = t;
  const cacheUrl = onDatabase(redisUrl, 3);
  const limiterUrl = onDatabase(redisUrl, 4);
  describe(`${target.name}: separate Redis for the cache and the rate limiter`, () => {
    const app = useApp(target, t, { REDIS_CACHE_URL: cacheUrl, REDIS_RATE_LIMIT_URL: limiterUrl });

    it('keeps cache entries on REDIS_CACHE_URL and counters on REDIS_RATE_LIMIT_URL', async () => {
      const user = await createUser(app);
      await createPost(app, user, { title: 'Split', text: 'stores' });
      const cold = await app.api.get(`/${user.username}/posts`);
      expect(cold.status, cold.text).toBe(200);
      const warm = await app.api.get(`/${user.username}/posts`);
      expect(cacheStatus(warm)).toBe('HIT');
      expect((await app.api.post('/tasks/task?message=split')).status).toBe(201);

      const cacheKeys = await keysOf(cacheUrl, `*${user.username}_posts*`);
      expect(cacheKeys.length).toBeGreaterThan(0);
      expect(await keysOf(limiterUrl, `*${user.username}_posts*`)).toEqual([]);
      expect((await keysOf(limiterUrl, '*ratelimit*')).length).toBeGreaterThan(0);
      // Nothing of this user's cache on the default Redis.
      expect(await keysOf(redisUrl, `*${user.username}_posts*`)).toEqual([]);
    });
  });
}
