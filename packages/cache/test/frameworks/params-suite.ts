import { Redis } from 'ioredis';
import {
  afterAll,
  afterEach,
  beforeAll,
  describe,
  expect,
  inject,
  it,
  type Mock,
  vi,
} from 'vitest';
import { createCache } from '../../src/index.js';
import { type RedisStore, redisStore } from '../../src/stores/redis.js';
import type { BuildClient, TestClient } from './adapter-suite.js';
import { type Backend, createBackend } from './routes.js';

/**
 * Requests whose parameters could make a key differ from what the handler reads: repeated,
 * structured or empty values, ids smuggled in the query, values holding `:` or `%`.
 */
export function runParamsSuite(adapter: string, buildClient: BuildClient): void {
  const redis = new Redis(inject('redisUrl'));
  beforeAll(async () => {
    await redis.ping();
  });
  afterAll(() => redis.disconnect());

  type LogFn = (details: Record<string, unknown>, message: string) => void;
  let backend: Backend;
  let store: RedisStore;
  let logger: { warn: Mock<LogFn>; error: Mock<LogFn> };
  let client: TestClient;
  const clients: TestClient[] = [];

  async function setup(index = true): Promise<void> {
    const prefix = `test:cache:params:${adapter}:${Math.random().toString(36).slice(2)}:`;
    backend = createBackend();
    store = redisStore({ client: redis, prefix, index });
    logger = { warn: vi.fn<LogFn>(), error: vi.fn<LogFn>() };
    client = await buildClient(createCache({ store, logger }), backend);
    clients.push(client);
  }
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((built) => built.close()));
  });

  const get = (path: string) => client.request('GET', path);
  const xCache = async (path: string) => (await get(path)).headers.get('x-cache');
  const listKey = (user: string, page: number | string, perPage: number | string = 10) =>
    `${user}_posts:page_${page}:items_per_page:${perPage}:${user}`;
  const present = async (keys: string[]) =>
    Promise.all(keys.map(async (key) => (await store.get(key)) !== undefined));

  describe(`${adapter} adapter: ambiguous parameters`, () => {
    it('serves a repeated key parameter uncached, so a later plain request gets its own page', async () => {
      await setup();
      const repeated = await get('/alice/posts?page=1&page=2&items_per_page=2');
      expect(repeated.status).toBe(200);
      expect(repeated.headers.get('x-cache')).toBeNull();
      expect(repeated.headers.get('cache-control')).toBeNull();
      await get('/alice/posts?page=3&items_per_page=2&items_per_page=1');
      expect(await present([listKey('alice', 1, 2), listKey('alice', 3, 2)])).toEqual([
        false,
        false,
      ]);

      const plain = await get('/alice/posts?page=1&items_per_page=2');
      expect(plain.headers.get('x-cache')).toBe('MISS');
      expect(JSON.parse(plain.body).params).toMatchObject({ page: '1', items_per_page: '2' });
      expect(await xCache('/alice/posts?page=3&items_per_page=2')).toBe('MISS');
      expect(backend.calls.list).toBe(4);
      // Logged as a warning, once per route and parameter however often it happens.
      await get('/alice/posts?page=1&page=2');
      const warnings = logger.warn.mock.calls.filter(([details]) => {
        return details.code === 'E_AMBIGUOUS_PARAM';
      });
      expect(warnings.map(([, message]) => message.match(/"(\w+)"/)?.[1]).sort()).toEqual([
        'items_per_page',
        'page',
      ]);
      expect(logger.error).not.toHaveBeenCalled();
    });

    it('does not answer a repeated parameter from the cached page of its first value', async () => {
      await setup();
      expect(await xCache('/alice/posts?page=1&items_per_page=2')).toBe('MISS');
      expect(await xCache('/alice/posts?page=1&items_per_page=2')).toBe('HIT');
      expect(await xCache('/alice/posts?page=1&page=2&items_per_page=2')).toBeNull();
      expect(await xCache('/alice/posts?page=2&page=1&items_per_page=2')).toBeNull();
      expect(backend.calls.list).toBe(3);
    });

    it('serves an empty key parameter uncached, even when the default page is cached', async () => {
      await setup();
      expect(await xCache('/alice/posts')).toBe('MISS');
      expect(await xCache('/alice/posts?page=1&items_per_page=10')).toBe('HIT');
      expect(await xCache('/alice/posts?page=')).toBeNull();
      expect(await xCache('/alice/posts?items_per_page=')).toBeNull();
      expect(backend.calls.list).toBe(3);
    });

    it('infers the resource id from the path only, never from an added query parameter', async () => {
      await setup();
      expect(await xCache('/items/7?zid=8&id=9')).toBe('MISS');
      expect(await present(['item:7', 'item:8', 'item:9'])).toEqual([true, false, false]);
      expect(await xCache('/items/8')).toBe('MISS');
      expect(await xCache('/items/7?id=8&id=9')).toBe('HIT');
    });

    it('invalidates the keys of every value of a repeated parameter on a write', async () => {
      await setup();
      for (const page of [1, 2, 3]) await get(`/alice/posts?page=${page}`);
      expect((await client.request('POST', '/alice/posts/touch?page=1&page=2')).status).toBe(200);
      const keys = [1, 2, 3].map((page) => listKey('alice', page));
      expect(await present(keys)).toEqual([false, false, true]);
      // An empty value on a write counts as absent: the default page's key goes.
      await get('/alice/posts?page=1');
      expect((await client.request('POST', '/alice/posts/touch?page=')).status).toBe(200);
      expect(await present(keys)).toEqual([false, false, true]);
    });
  });

  describe(`${adapter} adapter: values holding : or %`, () => {
    it('encodes them, so two sets of values never build the same key', async () => {
      await setup();
      await get('/a%3Ab/posts/5');
      expect(await store.get('a%3Ab_post_cache:5')).toBeDefined();
      expect(await xCache('/a%253Ab/posts/5')).toBe('MISS');
      expect(await store.get('a%253Ab_post_cache:5')).toBeDefined();

      const first = await get('/alice/posts?page=1%3Aitems_per_page%3A10&items_per_page=5');
      const second = await get('/alice/posts?page=1&items_per_page=10%3Aitems_per_page%3A5');
      expect([first.headers.get('x-cache'), second.headers.get('x-cache')]).toEqual([
        'MISS',
        'MISS',
      ]);
      expect(JSON.parse(second.body).params.items_per_page).toBe('10:items_per_page:5');
    });

    for (const index of [true, false]) {
      it(`lets a user's patterns touch only that user's keys (${index ? 'index' : 'SCAN'} path)`, async () => {
        await setup(index);
        const users = ['alice', 'alice_posts:x', 'alice:b', 'alice%3Ab'];
        const keys = [
          listKey('alice', 1),
          listKey('alice_posts%3Ax', 1),
          listKey('alice%3Ab', 1),
          listKey('alice%253Ab', 1),
        ];
        for (const user of users) await get(`/${encodeURIComponent(user)}/posts?page=1`);
        expect(await present(keys)).toEqual([true, true, true, true]);
        const write = async (user: string) =>
          (await client.request('POST', `/${encodeURIComponent(user)}/posts`)).status;
        expect(await write('alice')).toBe(201);
        expect(await present(keys)).toEqual([false, true, true, true]);
        expect(await write('alice:b')).toBe(201);
        expect(await present(keys)).toEqual([false, true, false, true]);
        expect(await write('alice_posts:x')).toBe(201);
        expect(await present(keys)).toEqual([false, false, false, true]);
      });
    }
  });
}
