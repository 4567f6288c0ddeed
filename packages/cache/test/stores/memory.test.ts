import { describe, expect, it } from 'vitest';
import { CacheError } from '../../src/index.js';
import { memoryStore } from '../../src/stores/memory.js';
import { runCacheStoreSuite } from '../../src/test-suite.js';

runCacheStoreSuite(
  { describe, it, expect },
  {
    name: 'memory',
    makeStore: async () => memoryStore(),
  },
);

describe('memoryStore', () => {
  it('evicts the least recently used entry beyond maxEntries', async () => {
    const store = memoryStore({ maxEntries: 2 });
    await store.set('a', '1', 10_000);
    await store.set('b', '2', 10_000);
    await store.get('a'); // a is now the most recent
    await store.set('c', '3', 10_000);
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('a')).toBe('1');
    expect(store.size).toBe(2);
  });

  it('stays under maxBytes and refuses a value larger than the bound', async () => {
    const store = memoryStore({ maxBytes: 100 });
    await store.set('a', 'x'.repeat(20), 10_000); // (1 + 20) * 2 = 42 bytes
    await store.set('b', 'x'.repeat(20), 10_000);
    await store.set('c', 'x'.repeat(20), 10_000);
    expect(store.bytes).toBeLessThanOrEqual(100);
    expect(await store.get('a')).toBeUndefined();
    await store.set('huge', 'x'.repeat(100), 10_000);
    expect(await store.get('huge')).toBeUndefined();
    expect(await store.get('c')).toBe('x'.repeat(20));
  });

  it('rejects bad options naming them', () => {
    expect(() => memoryStore({ maxEntries: 0 })).toThrow(/option `maxEntries`/);
    expect(() => memoryStore({ maxBytes: 1.5 })).toThrow(CacheError);
    expect(() => memoryStore({ maxItems: 3 } as never)).toThrow(/`maxItems`/);
  });
});
