import { describe, expect, it, vi } from 'vitest';
import { createCache } from '../src/index.js';
import { memoryStore } from '../src/stores/memory.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quietLogger = () => ({ warn: vi.fn(), error: vi.fn() });

describe('cache(options, handler), the framework-free wrapper', () => {
  it('serves a hit byte-identical to the miss without running the handler', async () => {
    const appCache = createCache({ store: memoryStore(), logger: quietLogger() });
    const handler = vi.fn(async () => ({ title: 'héllo', n: 1 }));
    const getPost = appCache.cache(
      { keyPrefix: '{username}_post_cache', resourceIdName: 'id' },
      handler,
    );
    const request = { params: { username: 'alice', id: '5' } };
    const miss = await getPost(request);
    const hit = await getPost(request);
    expect(miss.state).toBe('MISS');
    expect(hit.state).toBe('HIT');
    expect(hit.body).toBe(miss.body);
    expect(hit.headers.etag).toBe(miss.headers.etag);
    expect(hit.headers['cache-control']).toBe('public, max-age=60');
    expect(handler).toHaveBeenCalledTimes(1);
    const revalidated = await getPost({
      ...request,
      headers: { 'if-none-match': hit.headers.etag },
    });
    expect(revalidated.status).toBe(304);
    expect(revalidated.body).toBe('');
  });

  it('runs the handler once for 100 concurrent cold requests', async () => {
    const appCache = createCache({ store: memoryStore(), logger: quietLogger() });
    let runs = 0;
    const getPost = appCache.cache({ keyPrefix: 'post', resourceIdName: 'id' }, async () => {
      runs++;
      await sleep(50);
      return { ok: true };
    });
    const responses = await Promise.all(
      Array.from({ length: 100 }, () => getPost({ params: { id: '1' } })),
    );
    expect(runs).toBe(1);
    expect(new Set(responses.map((response) => response.body)).size).toBe(1);
  });

  it('serves stale while one background refresh runs', async () => {
    const appCache = createCache({ store: memoryStore(), logger: quietLogger() });
    let version = 0;
    const getPost = appCache.cache(
      { keyPrefix: 'post', resourceIdName: 'id', expiration: '100 ms', staleWhileRevalidate: 10 },
      async () => {
        await sleep(30);
        return { version: ++version };
      },
    );
    const request = { params: { id: '1' } };
    await getPost(request);
    await sleep(150);
    const [first, second] = await Promise.all([getPost(request), getPost(request)]);
    expect([first.state, second.state]).toEqual(['STALE', 'STALE']);
    expect(first.body).toBe('{"version":1}');
    await sleep(80);
    const fresh = await getPost(request);
    expect(fresh.state).toBe('HIT');
    expect(fresh.body).toBe('{"version":2}');
    expect(version).toBe(2);
  });

  it('invalidates after a successful write, and nothing after a failed one', async () => {
    const store = memoryStore();
    const appCache = createCache({ store, logger: quietLogger() });
    await store.set('alice_post_cache:5', 'x', 10_000);
    await store.set('alice_posts:page_1:items_per_page:10:alice', 'x', 10_000);
    await store.set('bob_posts:page_1:items_per_page:10:bob', 'x', 10_000);
    const options = {
      keyPrefix: '{username}_post_cache',
      resourceIdName: 'id',
      patternToInvalidateExtra: ['{username}_posts:*'],
    };
    const failing = appCache.cache(options, async () => {
      throw new Error('db down');
    });
    const request = { method: 'PATCH', params: { username: 'alice', id: '5' } };
    await expect(failing(request)).rejects.toThrow('db down');
    expect(store.size).toBe(3);
    await appCache.cache(options, async () => ({ ok: true }))(request);
    expect(await store.get('alice_post_cache:5')).toBeUndefined();
    expect(await store.get('alice_posts:page_1:items_per_page:10:alice')).toBeUndefined();
    expect(await store.get('bob_posts:page_1:items_per_page:10:bob')).toBe('x');
  });

  it('invalidates on demand with escaped template values', async () => {
    const store = memoryStore();
    const appCache = createCache({ store });
    await store.set('*_posts:page_1:*', 'x', 10_000);
    await store.set('alice_posts:page_1:alice', 'x', 10_000);
    const deleted = await appCache.invalidate({
      patterns: ['{username}_posts:*'],
      params: { username: '*' },
    });
    expect(deleted).toBe(1);
    expect(await store.get('alice_posts:page_1:alice')).toBe('x');
    expect(await appCache.invalidate({ keys: ['alice_posts:page_1:alice'] })).toBe(1);
  });
});

describe('cache(options, handler) with ambiguous parameters', () => {
  const options = {
    keyPrefix: '{username}_posts:page_{page}',
    resourceIdName: 'username',
    defaults: { page: 1 },
  };

  it('serves a repeated or empty key parameter uncached and stores nothing', async () => {
    const store = memoryStore();
    const logger = quietLogger();
    const appCache = createCache({ store, logger });
    const handler = vi.fn(async () => ({ ok: true }));
    const list = appCache.cache(options, handler);
    for (const page of [['1', '2'], '', ['1'], []]) {
      const response = await list({ params: { username: 'alice', page } });
      expect([response.state, response.headers['cache-control']]).toEqual([undefined, undefined]);
    }
    expect(handler).toHaveBeenCalledTimes(4);
    expect(store.size).toBe(0);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0]?.[0]).toMatchObject({ code: 'E_AMBIGUOUS_PARAM' });
  });

  it('invalidates every value of a repeated parameter on a write, up to 16 combinations', async () => {
    const store = memoryStore();
    const logger = quietLogger();
    const appCache = createCache({ store, logger });
    const touch = appCache.cache(options, async () => ({ ok: true }));
    const fill = async () => {
      for (let page = 1; page <= 20; page++) await store.set(`a_posts:page_${page}:a`, 'x', 10_000);
    };
    await fill();
    await touch({ method: 'POST', params: { username: 'a', page: ['2', '', '3', '3'] } });
    expect(store.size).toBe(17); // pages 2 and 3, and the default page 1 for the empty value
    expect(await store.get('a_posts:page_1:a')).toBeUndefined();

    await fill();
    const many = Array.from({ length: 17 }, (_, i) => String(i + 1));
    await touch({ method: 'POST', params: { username: 'a', page: many } });
    expect(store.size).toBe(20);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'E_AMBIGUOUS_PARAM' }),
      expect.stringContaining('"page"'),
    );
  });
});
