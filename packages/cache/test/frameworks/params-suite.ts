import { describe, expect, it } from 'vitest';
import { adapterContexts, type BuildClient, listKey } from './adapter-suite.js';

/** `count` query parameters that no key reads, `&`-joined. */
const filler = (count: number) => Array.from({ length: count }, (_, i) => `f${i}=1`).join('&');

/**
 * Requests whose parameters could make a key differ from what the handler reads: repeated,
 * structured or empty values, ids smuggled in the query, values holding `:` or `%`, and query
 * strings the framework's parser reads differently from the raw string.
 */
export function runParamsSuite(adapter: string, buildClient: BuildClient): void {
  const setup = adapterContexts(buildClient);

  describe(`${adapter} adapter: ambiguous parameters`, () => {
    it('serves a repeated key parameter uncached, so a later plain request gets its own page', async () => {
      const { get, xCache, present, backend, logger } = await setup();
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
      const { xCache, backend } = await setup();
      expect(await xCache('/alice/posts?page=1&items_per_page=2')).toBe('MISS');
      expect(await xCache('/alice/posts?page=1&items_per_page=2')).toBe('HIT');
      expect(await xCache('/alice/posts?page=1&page=2&items_per_page=2')).toBeNull();
      expect(await xCache('/alice/posts?page=2&page=1&items_per_page=2')).toBeNull();
      expect(backend.calls.list).toBe(3);
    });

    it('serves an empty key parameter uncached, even when the default page is cached', async () => {
      const { xCache, backend } = await setup();
      expect(await xCache('/alice/posts')).toBe('MISS');
      expect(await xCache('/alice/posts?page=1&items_per_page=10')).toBe('HIT');
      expect(await xCache('/alice/posts?page=')).toBeNull();
      expect(await xCache('/alice/posts?items_per_page=')).toBeNull();
      expect(backend.calls.list).toBe(3);
    });

    it('infers the resource id from the path only, never from an added query parameter', async () => {
      const { xCache, present } = await setup();
      expect(await xCache('/items/7?zid=8&id=9')).toBe('MISS');
      expect(await present(['item:7', 'item:8', 'item:9'])).toEqual([true, false, false]);
      expect(await xCache('/items/8')).toBe('MISS');
      expect(await xCache('/items/7?id=8&id=9')).toBe('HIT');
    });

    it('invalidates the keys of every value of a repeated parameter on a write', async () => {
      const { get, client, present } = await setup();
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

  describe(`${adapter} adapter: query strings parsers read differently`, () => {
    it('serves a query past 1,000 parameters uncached, never under the page-1 key', async () => {
      const { get, xCache, present, logger } = await setup();
      const flood = await get(`/alice/posts?${filler(1000)}&page=3`);
      expect(flood.status).toBe(200);
      expect(flood.headers.get('x-cache')).toBeNull();
      await get(`/alice/posts?${filler(1200)}&page=3`);
      expect(await present([listKey('alice', 1), listKey('alice', 3)])).toEqual([false, false]);
      // Its own page, afterwards, for everyone: a fresh miss holding page 3.
      const plain = await get('/alice/posts?page=3');
      expect(plain.headers.get('x-cache')).toBe('MISS');
      expect(JSON.parse(plain.body).params.page).toBe('3');
      expect(await xCache('/alice/posts')).toBe('MISS');
      const warnings = logger.warn.mock.calls.filter(([, message]) => message.includes('1000'));
      expect(warnings.length).toBeGreaterThanOrEqual(1);
      expect(warnings.length).toBeLessThanOrEqual(2);
    });

    it('still caches a query of exactly 1,000 parameters', async () => {
      const { xCache } = await setup();
      expect(await xCache(`/alice/posts?${filler(999)}&page=4`)).toBe('MISS');
      expect(await xCache('/alice/posts?page=4')).toBe('HIT');
    });

    it('serves a query holding a second ? uncached, and logs it once per route', async () => {
      const { get, xCache, present, logger } = await setup();
      for (let i = 0; i < 3; i++) {
        expect((await get('/alice/posts?x=?&page=2')).headers.get('x-cache')).toBeNull();
      }
      expect(await xCache('/alice/posts?page=2?')).toBeNull();
      expect(await present([listKey('alice', 1), listKey('alice', 2)])).toEqual([false, false]);
      expect(await xCache('/alice/posts?page=2')).toBe('MISS');
      const warnings = logger.warn.mock.calls.filter(([, message]) => message.includes('"?"'));
      expect(warnings).toHaveLength(1);
      // A route whose key reads no query parameter does not care.
      expect(await xCache('/alice/posts/5?x=?')).toBe('MISS');
      expect(await xCache('/alice/posts/5')).toBe('HIT');
    });

    it('on a write, invalidates every page a reader of such a query might have touched', async () => {
      const { get, client, present } = await setup();
      for (const page of [1, 2, 3]) await get(`/alice/posts?page=${page}`);
      const keys = [1, 2, 3].map((page) => listKey('alice', page));
      expect((await client.request('POST', '/alice/posts/touch?x=?&page=2')).status).toBe(200);
      expect(await present(keys)).toEqual([false, false, true]);
    });
  });

  describe(`${adapter} adapter: values holding : or %`, () => {
    it('encodes them, so two sets of values never build the same key', async () => {
      const { get, present } = await setup();
      await get('/a%3Ab/posts/5');
      expect(await present(['a%3Ab_post_cache:5'])).toEqual([true]);
      expect((await get('/a%253Ab/posts/5')).headers.get('x-cache')).toBe('MISS');
      expect(await present(['a%253Ab_post_cache:5'])).toEqual([true]);

      const first = await get('/alice/posts?page=1%3Aitems_per_page%3A10&items_per_page=5');
      const second = await get('/alice/posts?page=1&items_per_page=10%3Aitems_per_page%3A5');
      expect([first.headers.get('x-cache'), second.headers.get('x-cache')]).toEqual([
        'MISS',
        'MISS',
      ]);
      expect(JSON.parse(second.body).params.items_per_page).toBe('10:items_per_page:5');
    });

    it("lets a user's patterns touch only that user's keys", async () => {
      const { get, client, present } = await setup();
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
  });
}
