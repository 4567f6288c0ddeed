import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createRateLimiter } from '../../src/index.js';
import { redisStore } from '../../src/stores/redis.js';
import { createRedisStore } from '../../src/stores/redis-store.js';
import { runRateLimitStoreSuite } from '../../src/test-suite/index.js';
import { uniqueKey } from '../support/time.js';

const client = new Redis(inject('redisUrl'));
const store = redisStore({ client });
afterAll(() => client.quit());

runRateLimitStoreSuite({ describe, it, expect }, { name: 'redis', makeStore: () => store });
// Again with every rule of fixed windows run through a script written for it from its first
// consume (an app's store does so from its hundredth).
const shapedStore = createRedisStore(client, Date.now, 1);
runRateLimitStoreSuite(
  { describe, it, expect },
  { name: 'redis, rule-shaped scripts', makeStore: () => shapedStore },
);

describe('redis store specifics', () => {
  it('keys the fixed window as <base>:<window_start seconds> with the window as TTL', async () => {
    const key = uniqueKey('layout');
    const result = await store.consume({
      key,
      algorithm: 'fixed-window',
      windows: [{ limit: 5, periodMs: 3_600_000 }],
      cost: 1,
      blockMs: 0,
    });
    const windowStart = (result.resetAt - 3_600_000) / 1000;
    expect(await client.get(`${key}:${windowStart}`)).toBe('1');
    const ttl = await client.pttl(`${key}:${windowStart}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(result.resetAt - Date.now() + 50);
  });

  it('gives every key of a caller the same hash tag, so one Cluster slot serves a script', async () => {
    const limiter = createRateLimiter({ store, prefix: uniqueKey('slot').replace(/[{}]/g, '') });
    const result = await limiter.check({ path: '/api/v1/tasks', identity: { id: 'a{b}c' } });
    const keys = await client.keys(`${result.key.split('{')[0]}*`);
    expect(keys.length).toBeGreaterThan(0);
    const tags = new Set(keys.map((k) => k.slice(k.indexOf('{') + 1, k.indexOf('}'))));
    expect(tags.size).toBe(1);
  });

  it('does not leave an un-expiring key behind when a first request is too costly', async () => {
    const key = uniqueKey('costly');
    const result = await store.consume({
      key,
      algorithm: 'fixed-window',
      windows: [{ limit: 2, periodMs: 60_000 }],
      cost: 5,
      blockMs: 0,
    });
    expect(result.allowed).toBe(false);
    expect(await client.keys(`${key}*`)).toEqual([]);
  });

  it('admits exactly 100 of 2,000 concurrent limiter checks with limit 100', async () => {
    const limiter = createRateLimiter({
      store,
      prefix: uniqueKey('limiter').replace(/[{}]/g, ''),
      defaultRule: { limit: 100, period: 3600 },
      storeTimeout: '5 s',
    });
    const results = await Promise.all(
      Array.from({ length: 2000 }, () =>
        limiter.check({ path: '/api/v1/tasks', ip: '203.0.113.9' }),
      ),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(100);
    expect(results.every((r) => r.fallback === null)).toBe(true);
  });

  it('rejects a missing client at creation, naming the option', () => {
    expect(() => redisStore({ client: undefined as never })).toThrow(/`client`/);
  });
});
