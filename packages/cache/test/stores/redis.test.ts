import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { startRedisServer } from '../../../../testing/redis-server.js';
import { countSocketWrites } from '../../../../testing/socket-writes.js';
import { CacheError } from '../../src/index.js';
import { redisStore } from '../../src/stores/redis.js';
import { runCacheStoreSuite } from '../../src/test-suite.js';

const client = new Redis(inject('redisUrl'));
const unique = () => `test:cache:redis:${Math.random().toString(36).slice(2)}:`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  await client.ping();
});
afterAll(() => client.disconnect());

runCacheStoreSuite(
  { describe, it, expect },
  {
    name: 'redis (index)',
    makeStore: async () => redisStore({ client, prefix: unique() }),
  },
);
runCacheStoreSuite(
  { describe, it, expect },
  {
    name: 'redis (SCAN only)',
    makeStore: async () => redisStore({ client, prefix: unique(), index: false }),
  },
);

describe('redisStore', () => {
  it('sends the reads and writes of one tick in one socket write', async () => {
    const store = redisStore({ client, prefix: unique() });
    const counts = countSocketWrites(client);
    try {
      await Promise.all(Array.from({ length: 30 }, (_, i) => store.set(`k:${i}`, `v${i}`, 10_000)));
      expect(counts.writes + counts.batches).toBe(1);
      counts.reset();
      const values = await Promise.all(Array.from({ length: 30 }, (_, i) => store.get(`k:${i}`)));
      expect(values).toEqual(Array.from({ length: 30 }, (_, i) => `v${i}`));
      expect(counts.writes + counts.batches).toBe(1);
    } finally {
      counts.restore();
    }
  });

  it('prefixes keys and stores with a PX expiry', async () => {
    const prefix = unique();
    const store = redisStore({ client, prefix });
    await store.set('alice_post_cache:5', 'v', 10_000);
    expect(await client.get(`${prefix}alice_post_cache:5`)).toBe('v');
    const ttl = await client.pttl(`${prefix}alice_post_cache:5`);
    expect(ttl).toBeGreaterThan(9_000);
    expect(ttl).toBeLessThanOrEqual(10_000);
  });

  it('keeps index entries from outliving their keys', async () => {
    const prefix = unique();
    const store = redisStore({ client, prefix });
    const index = `${prefix}\u0000idx:alice_posts:`;
    await store.set('alice_posts:page_1:alice', 'v', 60);
    expect(await client.zrange(index, 0, -1)).toEqual(['alice_posts:page_1:alice']);
    expect(await client.pttl(index)).toBeGreaterThan(0);
    await sleep(100);
    await store.set('alice_posts:page_2:alice', 'v', 10_000);
    expect(await client.zrange(index, 0, -1)).toEqual(['alice_posts:page_2:alice']);
    expect(await client.pttl(index)).toBeGreaterThan(9_000);
  });

  it('index path deletes every match while other writes reorder the index', async () => {
    const prefix = unique();
    const store = redisStore({ client, prefix });
    // Unmatched and matched keys interleaved in one index (`u:`), more than one page of it.
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 6_000; i++) {
      writes.push(store.set(`u:${i}:other`, 'v', 60_000));
      if (i % 10 === 0) writes.push(store.set(`u:${i}:match`, 'v', 60_000));
    }
    await Promise.all(writes);
    // Meanwhile, reads refresh unmatched entries: their index scores move to the end.
    let stop = false;
    const refresher = (async () => {
      for (let i = 0; !stop; i += 50) {
        await Promise.all(
          Array.from({ length: 50 }, (_, j) =>
            store.set(`u:${(i + j) % 6_000}:other`, 'v', 60_000),
          ),
        );
      }
    })();
    const deleted = await store.deletePattern('u:*:match');
    stop = true;
    await refresher;
    expect(deleted).toBe(600);
    expect(await store.deletePatternByScan('u:*:match')).toBe(0);
  });

  it('keeps a live key in its index whatever clock the writing process has', async () => {
    const prefix = unique();
    const store = redisStore({ client, prefix });
    await store.set('skew_posts:page_1:a', 'v', 5_000);
    // Another instance sharing the index, its clock 20 s ahead, writes to the same index.
    const ahead = redisStore({ client, prefix });
    const clock = vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 20_000);
    try {
      await ahead.set('skew_posts:page_2:a', 'v', 5_000);
    } finally {
      clock.mockRestore();
    }
    expect(await store.deletePattern('skew_posts:*')).toBe(2);
    expect(await store.get('skew_posts:page_1:a')).toBeUndefined();
  });

  it('SCAN path deletes only entries under its prefix, never the index sets', async () => {
    const prefix = unique();
    const other = redisStore({ client, prefix: unique() });
    const store = redisStore({ client, prefix });
    await store.set('alice_posts:page_1:alice', 'v', 10_000);
    await other.set('alice_posts:page_1:alice', 'v', 10_000);
    expect(await store.deletePatternByScan('*')).toBe(1);
    expect(await other.get('alice_posts:page_1:alice')).toBe('v');
    expect(await client.exists(`${prefix}\u0000idx:alice_posts:`)).toBe(1);
  });

  it('honours a keyPrefix set on the client, on the index and SCAN paths', async () => {
    const prefixed = new Redis(inject('redisUrl'), { keyPrefix: 'app:' });
    await prefixed.ping();
    try {
      const prefix = unique();
      for (const index of [true, false]) {
        const store = redisStore({ client: prefixed, prefix, index });
        await store.set('jo_posts:page_1:jo', 'v', 10_000);
        expect(await client.get(`app:${prefix}jo_posts:page_1:jo`)).toBe('v');
        expect(await store.deletePattern('jo_posts:*')).toBe(1);
        expect(await client.exists(`app:${prefix}jo_posts:page_1:jo`)).toBe(0);
      }
    } finally {
      prefixed.disconnect();
    }
  });

  it('sends on a client that has not connected yet, and never closes it', async () => {
    const lazy = new Redis(inject('redisUrl'), { lazyConnect: true });
    const store = redisStore({ client: lazy, prefix: unique() });
    expect(lazy.status).toBe('wait');
    expect(await store.get('k')).toBeUndefined();
    expect(lazy.status).toBe('ready');
    lazy.disconnect();
  });

  it('refuses commands at once once the client has lost its connection', async () => {
    const server = await startRedisServer();
    const lost = new Redis(server.url, { retryStrategy: () => 50 });
    lost.on('error', () => {});
    try {
      const store = redisStore({ client: lost, prefix: unique() });
      expect(await store.get('k')).toBeUndefined();
      await server.stop();
      await new Promise((resolve) => lost.once('reconnecting', resolve));
      const started = performance.now();
      await expect(store.get('k')).rejects.toMatchObject({ code: 'E_STORE_UNAVAILABLE' });
      expect(performance.now() - started).toBeLessThan(50);
    } finally {
      lost.disconnect();
      await server.stop();
    }
  });

  it('rejects bad options naming them', () => {
    expect(() => redisStore({ client: {} as never })).toThrow(/option `client`/);
    expect(() => redisStore({ client, indexDepth: 0 })).toThrow(/`indexDepth`/);
    expect(() => redisStore({ client, scanCount: -1 })).toThrow(CacheError);
    expect(() => redisStore({ client, ttl: 1 } as never)).toThrow(/`ttl`/);
  });

  describe('on its own server', () => {
    let server: Awaited<ReturnType<typeof startRedisServer>>;
    let own: Redis;
    beforeAll(async () => {
      server = await startRedisServer();
      own = new Redis(server.url);
      await own.ping();
    });
    afterAll(async () => {
      own.disconnect();
      await server.stop();
    });

    it('reloads its script after SCRIPT FLUSH (NOSCRIPT fallback)', async () => {
      const store = redisStore({ client: own });
      await store.set('a:1', 'v', 10_000);
      await own.script('FLUSH');
      await store.set('a:2', 'v', 10_000);
      expect(await store.get('a:2')).toBe('v');
    });

    it('invalidates a pattern through the index without any SCAN', async () => {
      const store = redisStore({ client: own });
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < 20_000; i++)
        writes.push(store.set(`user${i}_posts:page_1:u${i}`, 'v', 60_000));
      for (let page = 1; page <= 10; page++)
        writes.push(store.set(`alice_posts:page_${page}:alice`, 'v', 60_000));
      await Promise.all(writes);
      await own.config('RESETSTAT');
      expect(await store.deletePattern('alice_posts:*')).toBe(10);
      const stats = await own.info('commandstats');
      expect(stats).not.toMatch(/cmdstat_scan:/);
      expect(stats).toMatch(/cmdstat_zscan:calls=1,/);
      expect(await store.get('user7_posts:page_1:u7')).toBe('v');
    }, 60_000);

    it('reads with exactly one GET', async () => {
      const store = redisStore({ client: own });
      await store.set('one:1', 'v', 10_000);
      await own.config('RESETSTAT');
      await store.get('one:1');
      const stats = (await own.info('commandstats'))
        .split('\n')
        .filter(
          (l) =>
            l.startsWith('cmdstat_') &&
            !l.startsWith('cmdstat_info') &&
            !l.startsWith('cmdstat_config'),
        );
      expect(stats.map((line) => line.split(':')[0])).toEqual(['cmdstat_get']);
      expect(stats[0]).toMatch(/calls=1,/);
    });
  });
});
