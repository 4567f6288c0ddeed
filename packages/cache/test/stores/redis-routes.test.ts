import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { freePort, startRedisServer } from '../../../../testing/redis-server.js';
import { createCache, type Duration, type RouteOptions } from '../../src/index.js';
import { type RedisStore, redisStore } from '../../src/stores/redis.js';

/*
 * Cached routes on a real Redis, through the request core every adapter shares (the
 * framework-free wrapper): the Redis paths of invalidation, and real faults. The adapters'
 * own behaviour is tested on the memory store in test/frameworks.
 */

const client = new Redis(inject('redisUrl'));
const unique = () => `test:cache:routes:${Math.random().toString(36).slice(2)}:`;
const quiet = () => ({ warn: vi.fn(), error: vi.fn() });
const listKey = (user: string, page: number) =>
  `${user}_posts:page_${page}:items_per_page:10:${user}`;

const LIST: RouteOptions = {
  keyPrefix: '{username}_posts:page_{page}:items_per_page:{items_per_page}',
  resourceIdName: 'username',
  defaults: { page: 1, items_per_page: 10 },
};
const CREATE: RouteOptions = {
  keyPrefix: '{username}_posts',
  resourceIdName: 'username',
  patternToInvalidateExtra: ['{username}_posts:*'],
};

beforeAll(async () => {
  await client.ping();
});
afterAll(() => client.disconnect());

function routes(store: RedisStore, options: Parameters<typeof createCache>[0] | object = {}) {
  const appCache = createCache({ store, logger: quiet(), ...options });
  const list = appCache.cache(LIST, ({ params }) => ({ page: params.page ?? '1' }));
  const create = appCache.cache(CREATE, () => ({ created: true }));
  return {
    read: (username: string, page = 1) => list({ params: { username, page: String(page) } }),
    write: (username: string) => create({ method: 'POST', params: { username } }),
  };
}

describe.each([true, false])('cached routes on Redis (index %s)', (index) => {
  it('a write deletes more than 5,000 matching keys, and nobody else', async () => {
    const store = redisStore({ client, prefix: unique(), index });
    const { read, write } = routes(store, { invalidationTimeout: '20 s' });
    const writes: Promise<unknown>[] = [];
    for (let page = 1; page <= 5_100; page++) {
      writes.push(store.set(listKey('carol', page), 'v', 60_000));
    }
    await Promise.all(writes);
    await read('dave');
    await write('carol');
    expect(await store.deletePatternByScan('carol_posts:*')).toBe(0);
    expect(await store.get(listKey('dave', 1))).toBeDefined();
  }, 60_000);

  it("lets a user's patterns touch only that user's keys, whatever the name holds", async () => {
    const store = redisStore({ client, prefix: unique(), index });
    const { read, write } = routes(store);
    const users = ['alice', 'alice_posts:x', 'alice:b', 'alice%3Ab', '*', '[a-z]*'];
    for (const user of users) await read(user);
    const present = () =>
      Promise.all(users.map(async (user) => (await read(user)).state === 'HIT'));
    expect(await present()).toEqual(Array(6).fill(true));
    await write('*');
    expect(await present()).toEqual([true, true, true, true, false, true]);
    await write('alice:b');
    expect(await present()).toEqual([true, true, false, true, true, true]);
    await write('alice');
    expect(await present()).toEqual([false, true, true, true, true, true]);
  });
});

describe('cached routes through a Redis outage', () => {
  function outageRoutes(url: string, timeout: Duration = '150 ms') {
    const broken = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    broken.on('error', () => {});
    const logger = quiet();
    const appCache = createCache({
      store: redisStore({ client: broken, prefix: unique() }),
      logger,
      timeout,
    });
    let runs = 0;
    const read = appCache.cache({ keyPrefix: 'post', resourceIdName: 'id' }, () => ({ n: ++runs }));
    const get = async (id: string) => {
      const started = performance.now();
      const response = await read({ params: { id } });
      return { response, ms: performance.now() - started };
    };
    return { broken, logger, get, runs: () => runs };
  }

  it('bypasses a closed port within the timeout, then at once', async () => {
    const { broken, logger, get } = outageRoutes(`redis://127.0.0.1:${await freePort()}`);
    try {
      const first = await get('1');
      expect([first.response.status, first.response.state]).toEqual([200, 'BYPASS']);
      expect(first.ms).toBeLessThan(150 + 250);
      await new Promise((resolve) => broken.once('reconnecting', resolve));
      const next = await get('1');
      expect(next.response.state).toBe('BYPASS');
      expect(next.ms).toBeLessThan(50);
      expect(logger.warn).toHaveBeenCalledWith(
        expect.objectContaining({ code: expect.stringMatching(/^E_STORE_/) }),
        expect.stringContaining('[@kit/cache] [redis]'),
      );
    } finally {
      broken.disconnect();
    }
  });

  it('bypasses a server killed mid-run, and one too slow to answer', async () => {
    const server = await startRedisServer();
    const { broken, get, runs } = outageRoutes(server.url);
    try {
      await new Promise((resolve) => broken.once('ready', resolve));
      await get('1');
      expect((await get('1')).response.state).toBe('HIT');

      const pauser = new Redis(server.url);
      await pauser.call('CLIENT', 'PAUSE', '2000', 'ALL');
      const slow = await get('2');
      expect([slow.response.status, slow.response.state]).toEqual([200, 'BYPASS']);
      expect(slow.ms).toBeLessThan(1000);
      pauser.disconnect();

      await server.stop();
      const dead = await get('1');
      expect([dead.response.status, dead.response.state]).toEqual([200, 'BYPASS']);
      expect(dead.ms).toBeLessThan(1000);
      expect(runs()).toBe(3);
    } finally {
      broken.disconnect();
      await server.stop();
    }
  });
});
