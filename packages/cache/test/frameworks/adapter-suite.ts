import { Redis } from 'ioredis';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  inject,
  it,
  type Mock,
  vi,
} from 'vitest';
import { freePort, startRedisServer } from '../../../../testing/redis-server.js';
import { type CacheInstance, type CacheOptions, createCache } from '../../src/index.js';
import { type RedisStore, redisStore } from '../../src/stores/redis.js';
import { type Backend, createBackend } from './routes.js';

export interface TestResponse {
  status: number;
  headers: Headers;
  body: string;
}

export interface TestClient {
  request(method: string, path: string, headers?: Record<string, string>): Promise<TestResponse>;
  close(): Promise<void>;
}

/** Mounts the test routes (routes.ts) with the adapter under test. */
export type BuildClient = (appCache: CacheInstance, backend: Backend) => Promise<TestClient>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every behaviour the issue lists for the adapters, written once and run on each. */
export function runAdapterSuite(adapter: string, buildClient: BuildClient): void {
  const redis = new Redis(inject('redisUrl'));
  beforeAll(async () => {
    await redis.ping();
  });
  afterAll(() => redis.disconnect());

  let backend: Backend;
  let store: RedisStore;
  type LogFn = (details: Record<string, unknown>, message: string) => void;
  let logger: { warn: Mock<LogFn>; error: Mock<LogFn> };
  let client: TestClient;
  let appCache: CacheInstance;
  const clients: TestClient[] = [];

  async function setup(
    storeOptions: { index?: boolean } = {},
    cacheOptions: Partial<CacheOptions> = {},
  ): Promise<TestClient> {
    const prefix = `test:cache:${adapter}:${Math.random().toString(36).slice(2)}:`;
    backend = createBackend();
    store = redisStore({ client: redis, prefix, ...storeOptions });
    logger = { warn: vi.fn<LogFn>(), error: vi.fn<LogFn>() };
    appCache = createCache({ store, logger, ...cacheOptions });
    const built = await buildClient(appCache, backend);
    clients.push(built);
    return built;
  }

  beforeEach(async () => {
    client = await setup();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((built) => built.close()));
  });

  const get = (path: string, headers?: Record<string, string>) =>
    client.request('GET', path, headers);

  describe(`${adapter} adapter: keys`, () => {
    it('formats keys from path and query parameters, with defaults', async () => {
      await get('/alice/posts?page=2&items_per_page=5');
      await get('/alice/posts/5');
      await get('/alice/posts');
      expect(await store.get('alice_posts:page_2:items_per_page:5:alice')).toBeDefined();
      expect(await store.get('alice_post_cache:5')).toBeDefined();
      expect(await store.get('alice_posts:page_1:items_per_page:10:alice')).toBeDefined();
    });

    it('infers the resource id, and serves uncached with a logged error when it cannot', async () => {
      await get('/items/7');
      expect(await store.get('item:7')).toBeDefined();
      const first = await get('/tags/news');
      const second = await get('/tags/news');
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(backend.calls.tag).toBe(2);
      expect(logger.error).toHaveBeenCalledWith(
        expect.objectContaining({ code: 'E_RESOURCE_ID' }),
        expect.stringContaining('[@kit/cache]'),
      );
    });
  });

  describe(`${adapter} adapter: reads`, () => {
    it('serves a hit byte-identical to the miss, without the handler', async () => {
      const miss = await get('/alice/posts/5');
      const hit = await get('/alice/posts/5');
      expect(miss.headers.get('x-cache')).toBe('MISS');
      expect(hit.headers.get('x-cache')).toBe('HIT');
      expect(hit.status).toBe(miss.status);
      expect(hit.body).toBe(miss.body);
      expect(hit.headers.get('content-type')).toBe(miss.headers.get('content-type'));
      expect(JSON.parse(hit.body)).toMatchObject({ route: 'read', text: 'héllo ✓' });
      expect(backend.calls.read).toBe(1);
      const head = await client.request('HEAD', '/alice/posts/5');
      expect([head.status, head.body, head.headers.get('x-cache')]).toEqual([200, '', 'HIT']);
    });

    it('runs the handler once for 100 concurrent cold requests', async () => {
      backend.delayMs = 100;
      const responses = await Promise.all(Array.from({ length: 100 }, () => get('/alice/posts/9')));
      expect(backend.calls.read).toBe(1);
      expect(responses.every((response) => response.status === 200)).toBe(true);
      expect(new Set(responses.map((response) => response.body)).size).toBe(1);
    });

    it('serves the stale entry while one request refreshes it', async () => {
      const first = await get('/swr/1');
      await sleep(400);
      backend.delayMs = 150;
      const [a, b] = await Promise.all([get('/swr/1'), sleep(30).then(() => get('/swr/1'))]);
      expect(a.headers.get('x-cache')).toBe('MISS');
      expect(a.body).not.toBe(first.body);
      expect(b.headers.get('x-cache')).toBe('STALE');
      expect(b.body).toBe(first.body);
      expect(backend.calls.swr).toBe(2);
    });

    it('does not cache a read on a route declared for invalidation, and says so', async () => {
      await get('/misuse/1');
      await get('/misuse/1');
      expect(backend.calls.misuse).toBe(2);
      expect(logger.error).toHaveBeenCalledWith(
        expect.objectContaining({ code: 'E_ROUTE_MISUSE' }),
        expect.any(String),
      );
    });
  });

  describe(`${adapter} adapter: invalidation`, () => {
    async function warm(): Promise<void> {
      await get('/alice/posts?page=1');
      await get('/alice/posts?page=2');
      await get('/alice/posts/5');
      await get('/bob/posts?page=1');
      await get('/bob/posts/5');
      await store.set('alice_profile:alice', 'profile', 60_000);
    }
    const aliceKeys = [
      'alice_posts:page_1:items_per_page:10:alice',
      'alice_posts:page_2:items_per_page:10:alice',
      'alice_post_cache:5',
      'alice_profile:alice',
    ];
    const bobKeys = ['bob_posts:page_1:items_per_page:10:bob', 'bob_post_cache:5'];
    const present = async (keys: string[]) =>
      Promise.all(keys.map(async (key) => (await store.get(key)) !== undefined));

    it('deletes its own key, extra keys and patterns before responding', async () => {
      await warm();
      const response = await client.request('PATCH', '/alice/posts/5');
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBeNull();
      expect(await present(aliceKeys)).toEqual([false, false, false, false]);
      expect(await present(bobKeys)).toEqual([true, true]);
      expect((await get('/alice/posts/5')).headers.get('x-cache')).toBe('MISS');
    });

    it('invalidates on DELETE (204) and POST (201)', async () => {
      await warm();
      expect((await client.request('DELETE', '/alice/posts/5')).status).toBe(204);
      expect(await present(aliceKeys)).toEqual([false, false, false, false]);
      await get('/bob/posts?page=2');
      expect((await client.request('POST', '/bob/posts')).status).toBe(201);
      expect(await present(bobKeys)).toEqual([false, true]);
    });

    it('invalidates nothing when the write fails', async () => {
      await warm();
      backend.fail = true;
      expect((await client.request('PATCH', '/alice/posts/5')).status).toBe(422);
      expect((await client.request('POST', '/alice/posts')).status).toBe(500);
      expect(await present(aliceKeys)).toEqual([true, true, true, true]);
    });

    it('lets a username of * or [a-z]* invalidate only its own keys', async () => {
      await warm();
      await get('/%2A/posts?page=1');
      await get('/%5Ba-z%5D%2A/posts?page=1');
      await client.request('POST', '/%2A/posts');
      expect(await store.get('*_posts:page_1:items_per_page:10:*')).toBeUndefined();
      expect(await store.get('[a-z]*_posts:page_1:items_per_page:10:[a-z]*')).toBeDefined();
      await client.request('POST', '/%5Ba-z%5D%2A/posts');
      expect(await store.get('[a-z]*_posts:page_1:items_per_page:10:[a-z]*')).toBeUndefined();
      expect(await present([...aliceKeys, ...bobKeys])).toEqual(Array(6).fill(true));
    });

    for (const index of [true, false]) {
      it(`pages through more than 5,000 matching keys (${index ? 'index' : 'SCAN'} path)`, async () => {
        client = await setup({ index }, { invalidationTimeout: '20 s' });
        const writes: Promise<void>[] = [];
        for (let page = 1; page <= 5_100; page++) {
          writes.push(store.set(`carol_posts:page_${page}:items_per_page:10:carol`, 'v', 60_000));
        }
        await Promise.all(writes);
        await get('/dave/posts?page=1');
        expect((await client.request('POST', '/carol/posts')).status).toBe(201);
        expect(await store.deletePatternByScan('carol_posts:*')).toBe(0);
        expect(await store.get('dave_posts:page_1:items_per_page:10:dave')).toBeDefined();
      }, 60_000);
    }
  });

  describe(`${adapter} adapter: HTTP headers`, () => {
    it('sends public Cache-Control, private with credentials unless the route says public', async () => {
      expect((await get('/alice/posts/1')).headers.get('cache-control')).toBe('public, max-age=60');
      const withAuth = await get('/alice/posts/1', { authorization: 'Bearer x' });
      expect(withAuth.headers.get('cache-control')).toBe('private, max-age=60');
      const withCookie = await get('/alice/posts/2', { cookie: 'sid=1' });
      expect(withCookie.headers.get('cache-control')).toBe('private, max-age=60');
      const shared = await get('/shared/1', { authorization: 'Bearer x' });
      expect(shared.headers.get('cache-control')).toBe('public, max-age=60');
    });

    it('sends no Cache-Control, ETag or X-Cache on errors, and caches nothing', async () => {
      const response = await get('/missing/1');
      expect(response.status).toBe(404);
      expect(response.headers.get('cache-control')).toBeNull();
      expect(response.headers.get('x-cache')).toBeNull();
      await get('/missing/1');
      expect(backend.calls.missing).toBe(2);
    });

    it('sends an ETag and answers a matching If-None-Match with 304, on a hit and a miss', async () => {
      const miss = await get('/alice/posts/3');
      const etag = miss.headers.get('etag')!;
      expect(etag).toMatch(/^"[\w-]+"$/);
      const hit = await get('/alice/posts/3', { 'if-none-match': etag });
      expect([hit.status, hit.body, hit.headers.get('etag')]).toEqual([304, '', etag]);
      await appCache.invalidate({ keys: ['alice_post_cache:3'] });
      backend.version = 0; // so the handler produces the same body again
      const missAgain = await get('/alice/posts/3', { 'if-none-match': `W/${etag}, "other"` });
      expect(missAgain.status).toBe(304);
      expect(missAgain.headers.get('x-cache')).toBe('MISS');
    });

    it('omits X-Cache when switched off', async () => {
      client = await setup({}, { xCacheHeader: false, clientMaxAge: 5 });
      const response = await get('/alice/posts/1');
      expect(response.headers.get('x-cache')).toBeNull();
      expect(response.headers.get('cache-control')).toBe('public, max-age=5');
    });
  });

  describe(`${adapter} adapter: store outage`, () => {
    async function outageClient(url: string, timeout = 150) {
      const broken = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
      broken.on('error', () => {});
      backend = createBackend();
      logger = { warn: vi.fn<LogFn>(), error: vi.fn<LogFn>() };
      const appCache = createCache({
        store: redisStore({ client: broken, prefix: 'outage:' }),
        logger,
        timeout: `${timeout} ms`,
      });
      const built = await buildClient(appCache, backend);
      clients.push({
        ...built,
        async close() {
          await built.close();
          broken.disconnect();
        },
      });
      return { client: built, broken };
    }
    const timed = async (run: () => Promise<TestResponse>) => {
      const started = performance.now();
      const response = await run();
      return { response, ms: performance.now() - started };
    };

    it('bypasses a closed port at once, reads and writes alike', async () => {
      const { client: down } = await outageClient(`redis://127.0.0.1:${await freePort()}`);
      const { response, ms } = await timed(() => down.request('GET', '/alice/posts/1'));
      expect(response.status).toBe(200);
      expect(response.headers.get('x-cache')).toBe('BYPASS');
      expect(ms).toBeLessThan(150);
      expect((await down.request('PATCH', '/alice/posts/1')).status).toBe(200);
      expect(logger.warn).toHaveBeenCalledWith(
        expect.objectContaining({ code: 'E_STORE_UNAVAILABLE' }),
        expect.stringContaining('[@kit/cache]'),
      );
    });

    it('bypasses a server killed mid-run, and one too slow to answer', async () => {
      const server = await startRedisServer();
      try {
        const { client: app, broken } = await outageClient(server.url);
        await new Promise((resolve) => broken.once('ready', resolve));
        await app.request('GET', '/alice/posts/1');
        expect((await app.request('GET', '/alice/posts/1')).headers.get('x-cache')).toBe('HIT');

        const pauser = new Redis(server.url);
        await pauser.call('CLIENT', 'PAUSE', '2000', 'ALL');
        const slow = await timed(() => app.request('GET', '/alice/posts/2'));
        expect(slow.response.status).toBe(200);
        expect(slow.response.headers.get('x-cache')).toBe('BYPASS');
        expect(slow.ms).toBeLessThan(1000);
        pauser.disconnect();

        await server.stop();
        const dead = await timed(() => app.request('GET', '/alice/posts/1'));
        expect(dead.response.status).toBe(200);
        expect(dead.ms).toBeLessThan(1000);
        expect(backend.calls.read).toBe(3);
      } finally {
        await server.stop();
      }
    });
  });
}
