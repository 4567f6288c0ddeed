import type { SuiteRunner } from '@kit/internal';
import type { CacheStore } from './types.js';

export type { SuiteRunner } from '@kit/internal';

/** What `runCacheStoreSuite` tests. */
export interface CacheStoreSuiteOptions {
  /** Names the suite's `describe` block: `<name> store conformance`. */
  name: string;
  /**
   * A fresh, empty store, asked for once per test (give each its own key prefix on a shared
   * server). The suite writes keys such as `alice_posts:page_1:alice` and up to 5,250 keys in
   * one test, all with TTLs of at most a minute.
   */
  makeStore: () => CacheStore | Promise<CacheStore>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The `CacheStore` contract, written once and run against every store: missing keys, exact
 * round trips, overwrites and TTLs, counted deletes, Redis glob patterns with escapes and
 * classes, and deletes of more than 5,000 matches. It takes the test runner's `describe`, `it`
 * and `expect`, so it runs under vitest, jest or any runner with those shapes, and imports none.
 *
 * @example
 * // my-store.test.ts
 * import { describe, expect, it } from 'vitest';
 * import { runCacheStoreSuite } from '@kit/cache/test-suite';
 * import { myStore } from './my-store.js';
 *
 * runCacheStoreSuite({ describe, it, expect }, { name: 'my', makeStore: () => myStore() });
 */
export function runCacheStoreSuite(
  { describe, it, expect }: SuiteRunner,
  { name, makeStore }: CacheStoreSuiteOptions,
): void {
  describe(`${name} store conformance`, () => {
    it('returns undefined for a missing key', async () => {
      const store = await makeStore();
      expect(await store.get('absent')).toBeUndefined();
    });

    it('round-trips values exactly, unicode and large ones included', async () => {
      const store = await makeStore();
      const values = ['{"a":1}', 'héllo ✓ 🎉 \n\u0000 end', 'x'.repeat(200_000)];
      for (const [i, value] of values.entries()) {
        await store.set(`k${i}`, value, 10_000);
        expect(await store.get(`k${i}`)).toBe(value);
      }
    });

    it('overwrites a key and its TTL', async () => {
      const store = await makeStore();
      await store.set('k', 'one', 60);
      await store.set('k', 'two', 10_000);
      await sleep(120);
      expect(await store.get('k')).toBe('two');
    });

    it('expires a key after its TTL', async () => {
      const store = await makeStore();
      await store.set('short', 'v', 50);
      await store.set('long', 'v', 10_000);
      await sleep(120);
      expect(await store.get('short')).toBeUndefined();
      expect(await store.get('long')).toBe('v');
    });

    it('deletes keys and counts only those that existed', async () => {
      const store = await makeStore();
      await store.set('a', '1', 10_000);
      await store.set('b', '2', 10_000);
      expect(await store.delete(['a', 'b', 'missing'])).toBe(2);
      expect(await store.get('a')).toBeUndefined();
      expect(await store.delete([])).toBe(0);
    });

    it('deletes by pattern: *, ?, classes, and nothing else', async () => {
      const store = await makeStore();
      const keys = [
        'alice_posts:page_1:alice',
        'alice_posts:page_2:alice',
        'alice_post_cache:5',
        'bob_posts:page_1:bob',
        'alicex_posts:page_1:alicex',
      ];
      for (const key of keys) await store.set(key, 'v', 10_000);
      expect(await store.deletePattern('alice_posts:*')).toBe(2);
      expect(await store.get('alice_post_cache:5')).toBe('v');
      expect(await store.get('bob_posts:page_1:bob')).toBe('v');
      expect(await store.get('alicex_posts:page_1:alicex')).toBe('v');
      expect(await store.deletePattern('b?b_posts:page_[0-9]:*')).toBe(1);
      expect(await store.get('bob_posts:page_1:bob')).toBeUndefined();
      expect(await store.deletePattern('nobody_posts:*')).toBe(0);
    });

    it('treats escaped glob characters literally', async () => {
      const store = await makeStore();
      await store.set('*_posts:page_1:*', 'star', 10_000);
      await store.set('alice_posts:page_1:alice', 'alice', 10_000);
      await store.set('[a-z]_posts:page_1:x', 'class', 10_000);
      expect(await store.deletePattern('\\*_posts:*')).toBe(1);
      expect(await store.deletePattern('\\[a-z\\]_posts:*')).toBe(1);
      expect(await store.get('alice_posts:page_1:alice')).toBe('alice');
      expect(await store.get('*_posts:page_1:*')).toBeUndefined();
    });

    it('deletes more than 5,000 matching keys, leaving the others', async () => {
      const store = await makeStore();
      const writes: Promise<void>[] = [];
      for (let i = 0; i < 5_200; i++)
        writes.push(store.set(`big_posts:page_${i}:big`, 'v', 60_000));
      for (let i = 0; i < 50; i++)
        writes.push(store.set(`other_posts:page_${i}:other`, 'v', 60_000));
      await Promise.all(writes);
      expect(await store.deletePattern('big_posts:*')).toBe(5_200);
      expect(await store.get('big_posts:page_4999:big')).toBeUndefined();
      expect(await store.get('other_posts:page_49:other')).toBe('v');
      expect(await store.deletePattern('big_posts:*')).toBe(0);
    }, 60_000);
  });
}
