import type { Redis } from 'ioredis';
import { redisStore } from '../../src/stores/redis.js';
import type { CacheStore } from '../../src/types.js';

// Stores the value unless the invalidation counter moved past the mark.
const SET_SINCE = `
if (redis.call('GET', KEYS[2]) or '0') ~= ARGV[3] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/**
 * A second level on real Redis for the layer tests, until the v2 `redisStore` (tags, clear,
 * marks: the lead's part of issue 10) lands; then these tests take `redisStore` itself.
 * `redisStore` serves get, set, delete and patterns; tags are Redis sets; marks are one
 * counter per store that every invalidation bumps (one global scope: refuses more, never less).
 */
export function redisL2(client: Redis, prefix: string): CacheStore {
  const store = redisStore({ client, prefix });
  const counter = `${prefix}\u0000marks`;
  const tagKey = (tag: string) => `${prefix}\u0000tag:${tag}`;
  const bump = () => client.incr(counter);
  return {
    name: 'redis',
    get: (key) => store.get(key),
    async set(key, value, ttlMs, options) {
      const ttl = Math.max(1, Math.ceil(ttlMs));
      if (options?.since !== undefined) {
        const stored = await client.eval(
          SET_SINCE,
          2,
          prefix + key,
          counter,
          value,
          ttl,
          options.since,
        );
        if (stored === 0) return false;
      } else {
        await (store.set as (k: string, v: string, t: number) => Promise<unknown>)(
          key,
          value,
          ttlMs,
        );
      }
      for (const tag of options?.tags ?? []) await client.sadd(tagKey(tag), key);
      return true;
    },
    async delete(keys) {
      await bump();
      return await store.delete(keys);
    },
    async deletePattern(pattern) {
      await bump();
      return await store.deletePattern(pattern);
    },
    async deleteTags(tags) {
      await bump();
      let deleted = 0;
      for (const tag of tags) {
        const keys = await client.smembers(tagKey(tag));
        if (keys.length > 0) deleted += await store.delete(keys);
        await client.unlink(tagKey(tag));
      }
      return deleted;
    },
    async clear() {
      await bump();
      await store.deletePattern('*');
    },
    async mark() {
      return (await client.get(counter)) ?? '0';
    },
  };
}
