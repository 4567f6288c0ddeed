import { afterEach, describe, expect, it, type Mock, vi } from 'vitest';
import type { Listening } from '../../../../testing/listen.js';
import {
  type CacheInstance,
  type CacheOptions,
  type CacheStore,
  createCache,
} from '../../src/index.js';
import { type MemoryStore, memoryStore } from '../../src/stores/memory.js';
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

/** A client over a listening server, by fetch. */
export function fetchClient({ base, close }: Listening): TestClient {
  return {
    async request(method, path, headers) {
      const response = await fetch(base + path, { method, headers });
      return { status: response.status, headers: response.headers, body: await response.text() };
    },
    close,
  };
}

/** Mounts the test routes (routes.ts) with the adapter under test. */
export type BuildClient = (appCache: CacheInstance, backend: Backend) => Promise<TestClient>;

type LogFn = (details: Record<string, unknown>, message: string) => void;

/** One test's world: a fresh memory store, cache, backend and app. */
export interface AdapterContext {
  store: MemoryStore;
  appCache: CacheInstance;
  backend: Backend;
  logger: { warn: Mock<LogFn>; error: Mock<LogFn> };
  client: TestClient;
  get(path: string, headers?: Record<string, string>): Promise<TestResponse>;
  xCache(path: string): Promise<string | null>;
  present(keys: string[]): Promise<boolean[]>;
}

/** Builds a context per test and closes every app a test opened. */
export function adapterContexts(buildClient: BuildClient) {
  const opened: TestClient[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((client) => client.close()));
  });
  return async function setup(
    cacheOptions: Partial<CacheOptions> = {},
    store: CacheStore = memoryStore(),
  ): Promise<AdapterContext> {
    const backend = createBackend();
    const logger = { warn: vi.fn<LogFn>(), error: vi.fn<LogFn>() };
    const appCache = createCache({ store, logger, ...cacheOptions });
    const client = await buildClient(appCache, backend);
    opened.push(client);
    const get = (path: string, headers?: Record<string, string>) =>
      client.request('GET', path, headers);
    return {
      store: store as MemoryStore,
      appCache,
      backend,
      logger,
      client,
      get,
      xCache: async (path) => (await get(path)).headers.get('x-cache'),
      present: (keys) => Promise.all(keys.map(async (key) => (await store.get(key)) !== undefined)),
    };
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const listKey = (user: string, page: number | string, perPage: number | string = 10) =>
  `${user}_posts:page_${page}:items_per_page:${perPage}:${user}`;

const xCacheOf =
  (get: (path: string) => Promise<TestResponse>) =>
  async (path: string): Promise<string | null> =>
    (await get(path)).headers.get('x-cache');

/** Every behaviour of the adapters, written once and run on each framework (memory store). */
export function runAdapterSuite(adapter: string, buildClient: BuildClient): void {
  const setup = adapterContexts(buildClient);

  describe(`${adapter} adapter: keys`, () => {
    it('formats keys from path and query parameters, with defaults', async () => {
      const { get, present } = await setup();
      await get('/alice/posts?page=2&items_per_page=5');
      await get('/alice/posts/5');
      await get('/alice/posts');
      expect(
        await present([listKey('alice', 2, 5), 'alice_post_cache:5', listKey('alice', 1)]),
      ).toEqual([true, true, true]);
    });

    it('infers the resource id, and serves uncached with a logged error when it cannot', async () => {
      const { get, present, backend, logger } = await setup();
      await get('/items/7');
      expect(await present(['item:7'])).toEqual([true]);
      const first = await get('/tags/news');
      const second = await get('/tags/news');
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(backend.calls.tag).toBe(2);
      expect(logger.error).toHaveBeenCalledTimes(1);
      expect(logger.error).toHaveBeenCalledWith(
        expect.objectContaining({ code: 'E_RESOURCE_ID' }),
        expect.stringContaining('[@kit/cache]'),
      );
      // An expected condition: the details carry no Error (so no stack in any logger).
      expect(logger.error.mock.calls[0]?.[0]).not.toHaveProperty('err');
    });

    it('keys an absent optional path parameter by its default, never by the query', async () => {
      const { get } = await setup();
      expect(JSON.parse((await get('/pages?page=2')).body).page).toBe('1');
      const second = await get('/pages/2');
      expect([JSON.parse(second.body).page, second.headers.get('x-cache')]).toEqual(['2', 'MISS']);
    });
  });

  describe(`${adapter} adapter: reads`, () => {
    it('serves a hit byte-identical to the miss, without the handler', async () => {
      const { get, client, backend } = await setup();
      const miss = await get('/alice/posts/5');
      const hit = await get('/alice/posts/5');
      expect([miss.headers.get('x-cache'), hit.headers.get('x-cache')]).toEqual(['MISS', 'HIT']);
      expect(hit.status).toBe(miss.status);
      expect(hit.body).toBe(miss.body);
      expect(hit.headers.get('content-type')).toBe(miss.headers.get('content-type'));
      expect(hit.headers.get('content-length')).toBe(String(Buffer.byteLength(miss.body)));
      expect(JSON.parse(hit.body)).toMatchObject({ route: 'read', text: 'héllo ✓' });
      expect(backend.calls.read).toBe(1);
      const head = await client.request('HEAD', '/alice/posts/5');
      expect([head.status, head.body, head.headers.get('x-cache')]).toEqual([200, '', 'HIT']);
      expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(miss.body)));
    });

    it('answers a HEAD on a cold key without ever caching an empty body', async () => {
      const { get, client } = await setup();
      const head = await client.request('HEAD', '/alice/posts/7');
      expect([head.status, head.body]).toEqual([200, '']);
      const first = await get('/alice/posts/7');
      expect(['MISS', 'HIT']).toContain(first.headers.get('x-cache'));
      expect(JSON.parse(first.body)).toMatchObject({ route: 'read' });
      const second = await get('/alice/posts/7');
      expect([second.headers.get('x-cache'), second.body]).toEqual(['HIT', first.body]);
    });

    it('replays the content type the miss was sent with, not only JSON', async () => {
      const { get } = await setup();
      const miss = await get('/vendor/1');
      const hit = await get('/vendor/1');
      expect([miss.headers.get('x-cache'), hit.headers.get('x-cache')]).toEqual(['MISS', 'HIT']);
      expect(miss.headers.get('content-type')).toMatch(/^application\/vnd\.api\+json/);
      expect(hit.headers.get('content-type')).toBe(miss.headers.get('content-type'));
      expect(hit.body).toBe(miss.body);
    });

    it('does not cache a 204: it goes out without body, type or length', async () => {
      const { get, backend } = await setup();
      for (let i = 0; i < 2; i++) {
        const response = await get('/empty/1');
        expect([response.status, response.body]).toEqual([204, '']);
        expect(response.headers.get('content-type')).toBeNull();
        expect(response.headers.get('x-cache')).toBeNull();
      }
      expect(backend.calls.empty).toBe(2);
    });

    it('runs the handler once for 100 concurrent cold requests', async () => {
      const { get, backend } = await setup();
      backend.delayMs = 100;
      const responses = await Promise.all(Array.from({ length: 100 }, () => get('/alice/posts/9')));
      expect(backend.calls.read).toBe(1);
      expect(responses.every((response) => response.status === 200)).toBe(true);
      expect(new Set(responses.map((response) => response.body)).size).toBe(1);
    });

    it('serves the stale entry while one request refreshes it', async () => {
      const { get, backend } = await setup();
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
      const { get, backend, logger } = await setup();
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
    const aliceKeys = [
      listKey('alice', 1),
      listKey('alice', 2),
      'alice_post_cache:5',
      'alice_profile:alice',
    ];
    const bobKeys = [listKey('bob', 1), 'bob_post_cache:5'];
    async function warm(ctx: AdapterContext): Promise<void> {
      for (const path of ['/alice/posts?page=1', '/alice/posts?page=2', '/alice/posts/5']) {
        await ctx.get(path);
      }
      await ctx.get('/bob/posts?page=1');
      await ctx.get('/bob/posts/5');
      await ctx.store.set('alice_profile:alice', 'profile', 60_000);
    }

    it('deletes its own key, extra keys and patterns before responding', async () => {
      const ctx = await setup();
      await warm(ctx);
      const response = await ctx.client.request('PATCH', '/alice/posts/5');
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBeNull();
      expect(await ctx.present(aliceKeys)).toEqual([false, false, false, false]);
      expect(await ctx.present(bobKeys)).toEqual([true, true]);
      expect(await ctx.xCache('/alice/posts/5')).toBe('MISS');
    });

    it('invalidates on DELETE (204) and POST (201)', async () => {
      const ctx = await setup();
      await warm(ctx);
      expect((await ctx.client.request('DELETE', '/alice/posts/5')).status).toBe(204);
      expect(await ctx.present(aliceKeys)).toEqual([false, false, false, false]);
      await ctx.get('/bob/posts?page=2');
      expect((await ctx.client.request('POST', '/bob/posts')).status).toBe(201);
      expect(await ctx.present(bobKeys)).toEqual([false, true]);
    });

    it('invalidates nothing when the write fails', async () => {
      const ctx = await setup();
      await warm(ctx);
      ctx.backend.fail = true;
      expect((await ctx.client.request('PATCH', '/alice/posts/5')).status).toBe(422);
      expect((await ctx.client.request('POST', '/alice/posts')).status).toBe(500);
      expect(await ctx.present(aliceKeys)).toEqual([true, true, true, true]);
    });

    it('lets a username of * or [a-z]* invalidate only its own keys', async () => {
      const ctx = await setup();
      await warm(ctx);
      await ctx.get('/%2A/posts?page=1');
      await ctx.get('/%5Ba-z%5D%2A/posts?page=1');
      await ctx.client.request('POST', '/%2A/posts');
      expect(await ctx.present([listKey('*', 1), listKey('[a-z]*', 1)])).toEqual([false, true]);
      await ctx.client.request('POST', '/%5Ba-z%5D%2A/posts');
      expect(await ctx.present([listKey('[a-z]*', 1)])).toEqual([false]);
      expect(await ctx.present([...aliceKeys, ...bobKeys])).toEqual(Array(6).fill(true));
    });
  });

  describe(`${adapter} adapter: tags and grace`, () => {
    it('files entries under their tags, and a write or the API drops a whole tag', async () => {
      const { get, client, appCache, backend } = await setup();
      for (const path of ['/tagged/alice/1', '/tagged/alice/2', '/tagged/bob/1']) await get(path);
      expect(await Promise.all(['/tagged/alice/1', '/tagged/bob/1'].map(xCacheOf(get)))).toEqual([
        'HIT',
        'HIT',
      ]);
      expect((await client.request('POST', '/tagged/alice')).status).toBe(200);
      expect(await xCacheOf(get)('/tagged/alice/1')).toBe('MISS');
      expect(await xCacheOf(get)('/tagged/alice/2')).toBe('MISS');
      expect(await xCacheOf(get)('/tagged/bob/1')).toBe('HIT');
      expect(await appCache.invalidate({ tags: ['posts:bob'] })).toBe(1);
      expect(await xCacheOf(get)('/tagged/bob/1')).toBe('MISS');
      // A failed write drops nothing.
      backend.fail = true;
      await client.request('POST', '/tagged/alice');
      backend.fail = false;
      expect(await xCacheOf(get)('/tagged/alice/1')).toBe('HIT');
    });

    it('serves the expired entry within grace instead of a 5xx or a crash, marked STALE', async () => {
      const { get, backend, logger } = await setup();
      const miss = await get('/grace/1');
      await sleep(300);
      backend.fail = true;
      const stale = await get('/grace/1');
      expect([stale.status, stale.headers.get('x-cache')]).toEqual([200, 'STALE']);
      expect(JSON.parse(stale.body)).toEqual(JSON.parse(miss.body));
      expect(stale.headers.get('content-type')).toMatch(/json/);
      expect(logger.warn).toHaveBeenCalledWith(
        expect.objectContaining({ code: 'E_LOAD_FAILED', status: 503 }),
        expect.stringContaining('grace'),
      );
      backend.fail = false;
      backend.crash = true;
      const crashed = await get('/grace/1');
      expect([crashed.status, crashed.headers.get('x-cache')]).toEqual([200, 'STALE']);
      backend.crash = false;
      const fresh = await get('/grace/1');
      expect([fresh.status, fresh.headers.get('x-cache')]).toEqual([200, 'MISS']);
      // Without grace (or past it), the error goes out as the handler made it.
      backend.fail = true;
      await get('/alice/posts/9');
      expect((await get('/alice/posts/10')).status).toBe(422);
    });
  });

  describe(`${adapter} adapter: HTTP headers`, () => {
    it('sends public Cache-Control, private with credentials unless the route says public', async () => {
      const { get } = await setup();
      expect((await get('/alice/posts/1')).headers.get('cache-control')).toBe('public, max-age=60');
      const withAuth = await get('/alice/posts/1', { authorization: 'Bearer x' });
      expect(withAuth.headers.get('cache-control')).toBe('private, max-age=60');
      const withCookie = await get('/alice/posts/2', { cookie: 'sid=1' });
      expect(withCookie.headers.get('cache-control')).toBe('private, max-age=60');
      const shared = await get('/shared/1', { authorization: 'Bearer x' });
      expect(shared.headers.get('cache-control')).toBe('public, max-age=60');
    });

    it('sends no Cache-Control, ETag or X-Cache on errors, and caches nothing', async () => {
      const { get, backend } = await setup();
      const response = await get('/missing/1');
      expect(response.status).toBe(404);
      expect(response.headers.get('cache-control')).toBeNull();
      expect(response.headers.get('etag')).toBeNull();
      expect(response.headers.get('x-cache')).toBeNull();
      await get('/missing/1');
      expect(backend.calls.missing).toBe(2);
    });

    it('sends an ETag and answers a matching If-None-Match with 304, on a hit and a miss', async () => {
      const { get, appCache, backend } = await setup();
      const miss = await get('/alice/posts/3');
      const etag = miss.headers.get('etag')!;
      expect(etag).toMatch(/^"[\w-]+"$/);
      const hit = await get('/alice/posts/3', { 'if-none-match': etag });
      expect([hit.status, hit.body, hit.headers.get('etag')]).toEqual([304, '', etag]);
      expect(hit.headers.get('content-type')).toBeNull();
      await appCache.invalidate({ keys: ['alice_post_cache:3'] });
      backend.version = 0; // so the handler produces the same body again
      const missAgain = await get('/alice/posts/3', { 'if-none-match': `W/${etag}, "other"` });
      expect([missAgain.status, missAgain.body]).toEqual([304, '']);
      expect(missAgain.headers.get('x-cache')).toBe('MISS');
      expect(missAgain.headers.get('content-type')).toBeNull();
    });

    it('omits X-Cache when switched off', async () => {
      const { get } = await setup({ xCacheHeader: false, clientMaxAge: 5 });
      const response = await get('/alice/posts/1');
      expect(response.headers.get('x-cache')).toBeNull();
      expect(response.headers.get('cache-control')).toBe('public, max-age=5');
    });
  });

  describe(`${adapter} adapter: store failure`, () => {
    it('bypasses a store that fails, reads and writes alike, and logs it', async () => {
      const down = (): Promise<never> => Promise.reject(new Error('connection lost'));
      const broken: CacheStore = {
        name: 'broken',
        get: down,
        set: down,
        delete: down,
        deletePattern: down,
        deleteTags: down,
        clear: down,
        mark: down,
      };
      const { get, client, backend, logger } = await setup({}, broken);
      const response = await get('/alice/posts/1');
      expect([response.status, response.headers.get('x-cache')]).toEqual([200, 'BYPASS']);
      expect(JSON.parse(response.body)).toMatchObject({ route: 'read' });
      expect((await get('/alice/posts/1')).headers.get('x-cache')).toBe('BYPASS');
      expect((await client.request('PATCH', '/alice/posts/1')).status).toBe(200);
      expect(backend.calls.read).toBe(2);
      expect(logger.warn).toHaveBeenCalledWith(
        expect.objectContaining({ code: 'E_STORE_UNAVAILABLE', store: 'broken' }),
        expect.stringContaining('connection lost'),
      );
    });
  });
}
