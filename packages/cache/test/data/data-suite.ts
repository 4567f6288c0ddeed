import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  type CacheInstance,
  type CacheOptions,
  type CacheStore,
  createCache,
} from '../../src/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quietLogger = () => ({ warn: vi.fn(), error: vi.fn() });

/** A promise and the function that settles it, to hold a loader mid-flight. */
function gate<T = void>() {
  let open!: (value: T) => void;
  const opened = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** What one instance of an app is built from: its store, and its memory layer and bus if any. */
export type Setup = Pick<CacheOptions, 'store' | 'l1' | 'bus'>;

/**
 * The data-layer API on one kind of store. `makeStore` returns a fresh store; `shared` a
 * second instance's setup over the same data (another instance of the app on one Redis; the
 * same store object for memory), so two engines, each with its own in-process flights and
 * memory layer, race through the store.
 */
export function registerDataSuite(
  name: string,
  makeStore: () => Promise<{ store: CacheStore; shared: () => Setup; setup?: () => Setup }>,
): void {
  const opened: CacheInstance[] = [];
  // How long a new instance's bus takes to subscribe, on a loopback Redis.
  const setupDelay = 150;
  const open = (options: CacheOptions) => {
    const cache = createCache(options);
    opened.push(cache);
    return cache;
  };
  afterAll(async () => {
    await Promise.all(opened.map((cache) => cache.close()));
  });
  const fresh = async () => {
    const { store, shared, setup } = await makeStore();
    const logger = quietLogger();
    const cache = open({ ...(setup?.() ?? { store }), logger });
    const other = (): CacheInstance => open({ ...shared(), logger: quietLogger() });
    // Both buses subscribed before the test writes anything.
    await sleep(setup ? setupDelay : 0);
    return { cache, store, logger, other };
  };

  describe(`data layer on ${name}`, () => {
    it('loads once, then answers from the store with an equal copy', async () => {
      const { cache } = await fresh();
      const loader = vi.fn(async () => ({ id: 1, tags: ['a'] }));
      const first = await cache.getOrSet('user:1', loader);
      const second = await cache.getOrSet('user:1', loader);
      expect(second).toEqual({ id: 1, tags: ['a'] });
      expect(second).not.toBe(first);
      expect(loader).toHaveBeenCalledTimes(1);
    });

    it('runs the loader once for 50 concurrent misses', async () => {
      const { cache } = await fresh();
      const loader = vi.fn(async () => {
        await sleep(30);
        return 'v';
      });
      const values = await Promise.all(
        Array.from({ length: 50 }, () => cache.getOrSet('k:1', loader)),
      );
      expect(new Set(values)).toEqual(new Set(['v']));
      expect(loader).toHaveBeenCalledTimes(1);
    });

    it('gets, sets, has and deletes any JSON value', async () => {
      const { cache } = await fresh();
      expect(await cache.get('missing')).toBeUndefined();
      expect(await cache.has('missing')).toBe(false);
      for (const value of [0, '', false, null, [1, 'two'], { nested: { x: 'é✓' } }]) {
        expect(await cache.set('v', value)).toBe(true);
        expect(await cache.get('v')).toEqual(value);
        expect(await cache.has('v')).toBe(true);
      }
      expect(await cache.delete('v', 'missing')).toBe(1);
      expect(await cache.has('v')).toBe(false);
    });

    it('expires values after their ttl', async () => {
      const { cache } = await fresh();
      let version = 0;
      const loader = async () => ++version;
      expect(await cache.getOrSet('t:1', loader, { ttl: '80 ms' })).toBe(1);
      expect(await cache.getOrSet('t:1', loader, { ttl: '80 ms' })).toBe(1);
      await sleep(150);
      expect(await cache.getOrSet('t:1', loader, { ttl: '80 ms' })).toBe(2);
      await cache.set('t:2', 'x', { ttl: '50 ms' });
      await sleep(120);
      expect(await cache.get('t:2')).toBeUndefined();
    });

    it('invalidates by tag, leaving other tags and untagged values', async () => {
      const { cache } = await fresh();
      await cache.getOrSet('posts:alice:1', async () => 'a1', { tags: ['posts:alice'] });
      await cache.set('posts:alice:2', 'a2', { tags: ['posts:alice', 'posts'] });
      await cache.set('posts:bob:1', 'b1', { tags: ['posts:bob', 'posts'] });
      await cache.set('plain', 'p');
      expect(await cache.invalidate({ tags: ['posts:alice'] })).toBe(2);
      expect(await cache.get('posts:alice:1')).toBeUndefined();
      expect(await cache.get('posts:alice:2')).toBeUndefined();
      expect(await cache.get('posts:bob:1')).toBe('b1');
      expect(await cache.invalidate({ tags: ['posts:{user}'], params: { user: 'bob' } })).toBe(1);
      expect(await cache.get('plain')).toBe('p');
    });

    it('invalidates keys and patterns, templates filled and escaped', async () => {
      const { cache } = await fresh();
      await cache.set('alice_posts:page_1', 1);
      await cache.set('alice_posts:page_2', 2);
      await cache.set('a*_posts:page_1', 3);
      await cache.set('bob_posts:page_1', 4);
      expect(await cache.invalidate({ patterns: ['{u}_posts:*'], params: { u: 'a*' } })).toBe(1);
      expect(await cache.get('alice_posts:page_1')).toBe(1);
      expect(
        await cache.invalidate({ patterns: ['alice_posts:*'], keys: ['bob_posts:page_1'] }),
      ).toBe(3);
      expect(await cache.get('bob_posts:page_1')).toBeUndefined();
    });

    it('scopes a namespace: its keys, its tags and its clear', async () => {
      const { cache } = await fresh();
      const users = cache.namespace('users');
      await users.set('1', 'in users', { tags: ['t'] });
      await cache.set('1', 'at the root', { tags: ['t'] });
      expect(await users.get('1')).toBe('in users');
      expect(await cache.get('users:1')).toBe('in users');
      expect(await cache.get('1')).toBe('at the root');
      expect(await users.invalidate({ tags: ['t'] })).toBe(1);
      expect(await cache.get('1')).toBe('at the root');
      await users.set('2', 'x');
      await users.namespace('admins').set('3', 'y');
      await users.clear();
      expect(await users.get('2')).toBeUndefined();
      expect(await cache.get('users:admins:3')).toBeUndefined();
      expect(await cache.get('1')).toBe('at the root');
      await cache.clear();
      expect(await cache.get('1')).toBeUndefined();
    });

    it('shares a loader error among concurrent callers, and caches nothing', async () => {
      const { cache } = await fresh();
      const loader = vi.fn(async () => {
        await sleep(20);
        throw new Error('db down');
      });
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () => cache.getOrSet('e:1', loader)),
      );
      expect(results.every((r) => r.status === 'rejected')).toBe(true);
      expect(loader).toHaveBeenCalledTimes(1);
      expect(await cache.getOrSet('e:1', async () => 'ok')).toBe('ok');
    });

    it('serves an expired value within grace instead of a loader error, and logs it', async () => {
      const { cache, logger } = await fresh();
      await cache.getOrSet('g:1', async () => 'old', { ttl: '50 ms', grace: '10 s' });
      await sleep(100);
      const failing = async (): Promise<string> => {
        throw new Error('db down');
      };
      expect(await cache.getOrSet('g:1', failing, { ttl: '50 ms', grace: '10 s' })).toBe('old');
      expect(logger.warn).toHaveBeenCalledWith(
        expect.objectContaining({ code: 'E_LOAD_FAILED' }),
        expect.stringContaining('grace'),
      );
      // Outside grace the error goes through.
      await cache.getOrSet('g:2', async () => 'old', { ttl: '50 ms', grace: '60 ms' });
      await sleep(150);
      await expect(
        cache.getOrSet('g:2', failing, { ttl: '50 ms', grace: '60 ms' }),
      ).rejects.toThrow('db down');
    });

    it('serves the value in grace when the loader is slower than loadTimeout, then stores the load', async () => {
      const { cache } = await fresh();
      const options = { ttl: '10 s', grace: '10 s', loadTimeout: '30 ms' } as const;
      await cache.getOrSet('slow:1', async () => 'old', { ...options, ttl: '50 ms' });
      await sleep(80);
      const started = Date.now();
      const value = await cache.getOrSet(
        'slow:1',
        async () => {
          await sleep(300);
          return 'new';
        },
        options,
      );
      expect(value).toBe('old');
      expect(Date.now() - started).toBeLessThan(250);
      await sleep(350);
      expect(await cache.get('slow:1')).toBe('new');
    });

    it('answers stale at once within staleWhileRevalidate and refreshes in the background', async () => {
      const { cache } = await fresh();
      let version = 0;
      const loader = async () => {
        await sleep(40);
        return ++version;
      };
      const options = { ttl: '50 ms', staleWhileRevalidate: '10 s' } as const;
      expect(await cache.getOrSet('swr:1', loader, options)).toBe(1);
      await sleep(80);
      expect(await cache.getOrSet('swr:1', loader, options)).toBe(1);
      await sleep(100);
      expect(await cache.getOrSet('swr:1', loader, options)).toBe(2);
    });

    it("shows another instance's write within 50 ms of the write resolving", async () => {
      const { cache, other } = await fresh();
      const writer = other();
      await sleep(setupDelay);
      for (let round = 0; round < 20; round++) {
        const key = `seen:${round}`;
        await cache.getOrSet(key, async () => 'old');
        expect(await cache.getOrSet(key, async () => 'unused')).toBe('old');
        if (round % 2 === 0) await writer.set(key, 'new');
        else await writer.invalidate({ patterns: [`${key}*`] });
        const expected = round % 2 === 0 ? 'new' : 'reloaded';
        // The bus message may still be on its way in this one process; in an app the next
        // request arrives through I/O too. Without a bus, a copy would live l1Ttl (5 s).
        const deadline = Date.now() + 50;
        let seen = await cache.getOrSet(key, async () => 'reloaded');
        while (seen !== expected && Date.now() < deadline) {
          await new Promise((resolve) => setImmediate(resolve));
          seen = await cache.getOrSet(key, async () => 'reloaded');
        }
        expect(seen).toBe(expected);
      }
    });

    it('never stores a load that an invalidation on another instance overtook', async () => {
      const { cache, other } = await fresh();
      const writer = other();
      const held = gate<string>();
      const started = gate();
      const loading = cache.getOrSet('race:1', async () => {
        started.open();
        return await held.opened;
      });
      await started.opened;
      // The write lands and invalidates while the read is still loading what it read before.
      expect(await writer.invalidate({ keys: ['race:1'] })).toBe(0);
      held.open('pre-write');
      expect(await loading).toBe('pre-write');
      await sleep(20);
      expect(await cache.get('race:1')).toBeUndefined();
      expect(await writer.get('race:1')).toBeUndefined();
      expect(await cache.getOrSet('race:1', async () => 'post-write')).toBe('post-write');
    });

    it('never stores a load that a tag or pattern invalidation on another instance overtook', async () => {
      const { cache, other } = await fresh();
      const writer = other();
      for (const invalidate of [
        () => writer.invalidate({ tags: ['posts:alice'] }),
        () => writer.invalidate({ patterns: ['race_posts:*'] }),
        () => writer.clear(),
      ]) {
        const held = gate<string>();
        const started = gate();
        const loading = cache.getOrSet(
          'race_posts:1',
          async () => {
            started.open();
            return await held.opened;
          },
          { tags: ['posts:alice'] },
        );
        await started.opened;
        await invalidate();
        held.open('pre-write');
        await loading;
        await sleep(20);
        expect(await cache.get('race_posts:1')).toBeUndefined();
      }
    });

    it('uses the serializer it is given, and stores nothing for undefined', async () => {
      const { store } = await makeStore();
      const cache = createCache({
        store,
        serializer: {
          serialize: (value) => `date:${(value as Date).toISOString()}`,
          deserialize: (text) => new Date(text.slice(5)),
        },
      });
      const when = new Date('2026-12-01T10:00:00Z');
      await cache.getOrSet('d:1', async () => when);
      const again = await cache.getOrSet('d:1', async () => new Date(0));
      expect(again).toBeInstanceOf(Date);
      expect((again as Date).getTime()).toBe(when.getTime());
      const plain = createCache({ store });
      const loader = vi.fn(async () => undefined);
      expect(await plain.getOrSet('u:1', loader)).toBeUndefined();
      expect(await plain.getOrSet('u:1', loader)).toBeUndefined();
      expect(loader).toHaveBeenCalledTimes(2);
      expect(await plain.set('u:2', undefined)).toBe(false);
    });

    it('hands every hit one frozen value with shareDecoded, never an older one', async () => {
      const { store, shared } = await makeStore();
      const cache = open({ ...shared(), store, shareDecoded: true, logger: quietLogger() });
      const loaded = await cache.getOrSet('s:1', async () => ({ title: 'one', tags: ['a'] }));
      expect(Object.isFrozen(loaded)).toBe(false);
      const first = await cache.getOrSet('s:1', async () => ({ title: 'unused', tags: [] }));
      const second = await cache.get<{ title: string; tags: string[] }>('s:1');
      expect(second).toBe(first);
      expect(Object.isFrozen(first)).toBe(true);
      expect(Object.isFrozen(second!.tags)).toBe(true);
      expect(() => {
        second!.tags.push('b');
      }).toThrow(TypeError);
      await cache.set('s:1', { title: 'two', tags: [] });
      expect(await cache.get('s:1')).toEqual({ title: 'two', tags: [] });
      await cache.delete('s:1');
      expect(await cache.get('s:1')).toBeUndefined();
    });

    it('refuses bad calls, naming the argument', async () => {
      const { cache } = await fresh();
      await expect(cache.getOrSet('', async () => 1)).rejects.toThrow(/`key`/);
      await expect(cache.getOrSet('a\u0000b', async () => 1)).rejects.toThrow(/`key`/);
      await expect(cache.getOrSet('k', 'nope' as never)).rejects.toThrow(/`loader`/);
      await expect(cache.getOrSet('k', async () => 1, { ttl: -1 })).rejects.toThrow(/`ttl`/);
      await expect(cache.getOrSet('k', async () => 1, { tgs: [] } as never)).rejects.toThrow(
        /`tgs`/,
      );
      await expect(cache.set('k', 1, { tags: 'a' as never })).rejects.toThrow(/`tags`/);
      await expect(
        cache.getOrSet('k', async () => 1, { singleFlight: 'all' as never }),
      ).rejects.toThrow(/`singleFlight`/);
      expect(() => cache.namespace('')).toThrow(/`name`/);
    });
  });
}
