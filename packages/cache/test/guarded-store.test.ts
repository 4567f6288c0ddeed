import { markLocalStore } from '@kit/internal';
import { describe, expect, it, vi } from 'vitest';
import { type CacheStore, createCache } from '../src/index.js';

const quietLogger = () => ({ warn: vi.fn(), error: vi.fn() });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A store whose calls never answer, like a server that accepted the connection and hung. */
function stuckStore(): CacheStore {
  const never = () => new Promise<never>(() => {});
  return {
    name: 'stuck',
    get: never,
    set: never,
    delete: never,
    deletePattern: never,
    deleteTags: never,
    clear: never,
    mark: never,
  };
}

describe('store deadlines', () => {
  it('bypasses a hung store at each call own deadline, however the calls interleave', async () => {
    const logger = quietLogger();
    const appCache = createCache({
      store: stuckStore(),
      logger,
      timeout: '100 ms',
      invalidationTimeout: '600 ms',
    });
    const read = appCache.cache({ keyPrefix: 'post', resourceIdName: 'id' }, async () => ({}));
    const started = performance.now();
    // The long deadline is registered first: the short one must still fire on time.
    const invalidation = appCache.invalidate({ keys: ['post:1'] });
    const responses = await Promise.all([
      read({ params: { id: '1' } }),
      sleep(50).then(() => read({ params: { id: '2' } })),
    ]);
    const readMs = performance.now() - started;
    expect(responses.map((response) => [response.status, response.state])).toEqual([
      [200, 'BYPASS'],
      [200, 'BYPASS'],
    ]);
    expect(readMs).toBeGreaterThanOrEqual(140);
    expect(readMs).toBeLessThan(400);
    expect(await invalidation).toBeUndefined();
    const invalidationMs = performance.now() - started;
    expect(invalidationMs).toBeGreaterThanOrEqual(590);
    expect(invalidationMs).toBeLessThan(1200);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'E_STORE_TIMEOUT', operation: 'get' }),
      expect.stringContaining('took over 100 ms'),
    );
  });

  it('bypasses a store that throws instead of rejecting', async () => {
    const logger = quietLogger();
    const store: CacheStore = {
      ...stuckStore(),
      get: () => {
        throw new Error('boom');
      },
    };
    const read = createCache({ store, logger }).cache(
      { keyPrefix: 'p', resourceIdName: 'id' },
      () => 1,
    );
    expect((await read({ params: { id: '1' } })).state).toBe('BYPASS');
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'E_STORE_UNAVAILABLE' }),
      expect.stringContaining('boom'),
    );
  });

  it('sets no deadline on a store marked local (the memory store)', async () => {
    const values = new Map<string, string>();
    const store: CacheStore = markLocalStore({
      name: 'local-but-slow',
      get: async (key) => {
        await sleep(150);
        return values.get(key);
      },
      set: async (key, value) => {
        values.set(key, value);
        return true;
      },
      delete: async () => 0,
      deletePattern: async () => 0,
      deleteTags: async () => 0,
      clear: async () => {},
      mark: async () => '0',
    });
    const read = createCache({ store, timeout: '20 ms' }).cache(
      { keyPrefix: 'p', resourceIdName: 'id' },
      () => 1,
    );
    expect((await read({ params: { id: '1' } })).state).toBe('MISS');
    await sleep(10);
    expect((await read({ params: { id: '1' } })).state).toBe('HIT');
  });
});
