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

  it('forgets the tags of an evicted entry, so a later untagged entry of that key is kept', async () => {
    const store = memoryStore({ maxEntries: 1 });
    await store.set('a', '1', 10_000, { tags: ['t'] });
    await store.set('b', '2', 10_000); // evicts a
    await store.set('a', 'untagged', 10_000); // evicts b
    expect(await store.deleteTags(['t'])).toBe(0);
    expect(await store.get('a')).toBe('untagged');
  });

  it('forgets the tags of an expired entry once it is touched', async () => {
    const store = memoryStore();
    await store.set('a', '1', 20, { tags: ['t'] });
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(await store.get('a')).toBeUndefined();
    await store.set('a', 'untagged', 10_000);
    expect(await store.deleteTags(['t'])).toBe(0);
    expect(await store.get('a')).toBe('untagged');
  });

  it('keeps an entry stored after the refused set', async () => {
    const store = memoryStore();
    const mark = await store.mark('k:1', []);
    await store.delete(['k:1']);
    await store.set('k:1', 'fresh', 10_000);
    expect(await store.set('k:1', 'stale', 10_000, { since: mark })).toBe(false);
    expect(await store.get('k:1')).toBe('fresh');
  });

  it('rejects bad options naming them', () => {
    expect(() => memoryStore({ maxEntries: 0 })).toThrow(/option `maxEntries`/);
    expect(() => memoryStore({ maxBytes: 1.5 })).toThrow(CacheError);
    expect(() => memoryStore({ maxItems: 3 } as never)).toThrow(/`maxItems`/);
  });
});
