import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../../../../testing/tcp-proxy.js';
import { type CacheInstance, createCache, type Duration } from '../../src/index.js';
import { memoryStore } from '../../src/stores/memory.js';
import { redisStore } from '../../src/stores/redis-entry.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quietLogger = () => ({ warn: vi.fn(), error: vi.fn() });
const url = new URL(inject('redisUrl'));

/** Polls `check` every 50 ms until it holds, for at most `ms`. */
async function eventually(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(50);
  }
  return await check();
}

describe('invalidations that survive a Redis blip', () => {
  let proxy: TcpProxy;
  let cut: Redis;
  let direct: Redis;
  const caches: CacheInstance[] = [];
  const prefix = () => `test:cache:faults:${Math.random().toString(36).slice(2)}:`;

  beforeAll(async () => {
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port) });
    // The writer's link goes through the proxy; the other instance talks to Redis directly.
    cut = new Redis(proxy.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    cut.on('error', () => {});
    direct = new Redis(inject('redisUrl'));
    await Promise.all([cut.ping(), direct.ping()]);
  });
  afterAll(async () => {
    await Promise.all(caches.map((cache) => cache.close()));
    cut.disconnect();
    direct.disconnect();
    await proxy.close();
  });

  const open = (options: Parameters<typeof createCache>[0]) => {
    const cache = createCache(options);
    caches.push(cache);
    return cache;
  };

  for (const fault of ['cut', 'freeze'] as const) {
    it(`keeps an invalidation made while the link is ${fault === 'cut' ? 'cut' : 'frozen'} and applies it once the link is back`, async () => {
      const keys = prefix();
      const logger = quietLogger();
      const writer = open({
        store: redisStore({ client: cut, prefix: keys }),
        l1: memoryStore(),
        logger,
        invalidationTimeout: '300 ms',
        timeout: '200 ms',
      });
      const reader = open({
        store: redisStore({ client: direct, prefix: keys }),
        logger: quietLogger(),
      });
      expect(await writer.getOrSet('post:1', async () => 'old title')).toBe('old title');
      expect(await writer.getOrSet('post:1', async () => 'unused')).toBe('old title');
      expect(await reader.get('post:1')).toBe('old title');

      if (fault === 'cut') proxy.cut();
      else proxy.freeze();
      // The write's invalidation fails: it is kept, not forgotten.
      expect(await writer.invalidate({ keys: ['post:1'] })).toBeUndefined();
      expect(logger.warn).toHaveBeenCalledWith(
        expect.objectContaining({ code: 'E_INVALIDATION_PENDING' }),
        expect.any(String),
      );
      // Meanwhile this process serves nothing it covers: the loader runs, from either level.
      expect(await writer.getOrSet('post:1', async () => 'new title')).toBe('new title');
      expect(await writer.get('post:1')).toBeUndefined();

      proxy.restore();
      // Once the link is back the retry lands: no instance serves the pre-write entry.
      expect(await eventually(async () => (await reader.get('post:1')) === undefined, 8_000)).toBe(
        true,
      );
      expect(await writer.getOrSet('post:1', async () => 'new title')).toBe('new title');
      expect(await reader.get('post:1')).toBe('new title');
    }, 20_000);
  }

  it('keeps a pattern and a tag invalidation too, and a later read of another key is served', async () => {
    const keys = prefix();
    const writer = open({
      store: redisStore({ client: cut, prefix: keys }),
      logger: quietLogger(),
      invalidationTimeout: '300 ms',
    });
    const reader = open({
      store: redisStore({ client: direct, prefix: keys }),
      logger: quietLogger(),
    });
    await writer.set('alice_posts:page_1', 'p1', { tags: ['posts:alice'] });
    await writer.set('bob_posts:page_1', 'b1', { tags: ['posts:bob'] });
    await writer.set('tagged:1', 't1', { tags: ['posts:alice'] });
    proxy.cut();
    expect(await writer.invalidate({ patterns: ['alice_posts:*'], tags: ['posts:alice'] })).toBe(
      undefined,
    );
    proxy.restore();
    await eventually(async () => cut.status === 'ready', 5_000);
    // Not covered: served as usual once the link is back.
    expect(await writer.get('bob_posts:page_1')).toBe('b1');
    expect(
      await eventually(
        async () =>
          (await reader.get('alice_posts:page_1')) === undefined &&
          (await reader.get('tagged:1')) === undefined,
        8_000,
      ),
    ).toBe(true);
    expect(await reader.get('bob_posts:page_1')).toBe('b1');
  }, 20_000);
});

describe('cross-instance single flight', () => {
  const clients = [new Redis(inject('redisUrl')), new Redis(inject('redisUrl'))];
  const caches: CacheInstance[] = [];
  afterAll(async () => {
    await Promise.all(caches.map((cache) => cache.close()));
    for (const client of clients) client.disconnect();
  });
  const instances = (lockTimeout: Duration) => {
    const keys = `test:cache:lock:${Math.random().toString(36).slice(2)}:`;
    const made = clients.map((client) =>
      createCache({
        store: redisStore({ client, prefix: keys }),
        lockTimeout,
        logger: quietLogger(),
      }),
    );
    caches.push(...made);
    return made;
  };

  it('runs the loader once for concurrent misses on two instances', async () => {
    const [a, b] = instances('5 s');
    const loader = vi.fn(async () => {
      await sleep(150);
      return 'loaded once';
    });
    const calls = [a!, b!].flatMap((cache) =>
      Array.from({ length: 20 }, () =>
        cache.getOrSet('cold:1', loader, { singleFlight: 'global' }),
      ),
    );
    expect(new Set(await Promise.all(calls))).toEqual(new Set(['loaded once']));
    expect(loader).toHaveBeenCalledTimes(1);
  });

  it('runs it once per instance without singleFlight global (the default)', async () => {
    const [a, b] = instances('5 s');
    const loader = vi.fn(async () => {
      await sleep(100);
      return 'v';
    });
    await Promise.all([a!.getOrSet('cold:2', loader), b!.getOrSet('cold:2', loader)]);
    expect(loader).toHaveBeenCalledTimes(2);
  });

  it('never blocks a reader longer than lockTimeout behind a holder that never finishes', async () => {
    const [a, b] = instances('300 ms');
    void a!.getOrSet('stuck:1', () => new Promise<string>(() => {}), { singleFlight: 'global' });
    await sleep(50);
    const started = Date.now();
    expect(await b!.getOrSet('stuck:1', async () => 'mine', { singleFlight: 'global' })).toBe(
      'mine',
    );
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(200);
    expect(waited).toBeLessThan(2_000);
  });
});

describe('a store that answers reads but refuses invalidations', () => {
  it('serves nothing a pending invalidation covers, then serves again once it is applied', async () => {
    const memory = memoryStore();
    let refusing = true;
    const refuse = <T>(run: () => Promise<T>) =>
      refusing ? Promise.reject(new Error('READONLY replica')) : run();
    const store = {
      ...memory,
      name: 'half-broken',
      get: (key: string) => memory.get(key),
      delete: (keys: readonly string[]) => refuse(() => memory.delete(keys)),
      deleteTags: (tags: readonly string[]) => refuse(() => memory.deleteTags(tags)),
    };
    const cache = createCache({ store, logger: quietLogger() });
    await cache.set('post:1', 'old', { tags: ['posts'] });
    await cache.set('post:2', 'other');
    await cache.set('tagged', 'old', { tags: ['posts'] });
    expect(await cache.invalidate({ keys: ['post:1'], tags: ['posts'] })).toBeUndefined();
    // The store still holds the old values and answers reads: this process must not serve them.
    expect(await memory.get('post:1')).toBeDefined();
    expect(await cache.get('post:1')).toBeUndefined();
    expect(await cache.get('tagged')).toBeUndefined();
    expect(await cache.getOrSet('post:1', async () => 'new')).toBe('new');
    expect(await cache.get('post:2')).toBe('other');
    refusing = false;
    await sleep(400);
    expect(await memory.get('post:1')).toBeUndefined();
    expect(await memory.get('tagged')).toBeUndefined();
    expect(await cache.getOrSet('post:1', async () => 'new')).toBe('new');
    expect(await cache.get('post:1')).toBe('new');
    await cache.close();
  });
});
