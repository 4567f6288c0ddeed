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
 * classes, deletes of more than 5,000 matches, tags, `clear`, and marks that refuse a refill
 * an invalidation overtook. It takes the test runner's `describe`, `it`
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
      const writes: Promise<unknown>[] = [];
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

    it('resolves true for a plain set, and a set overwrites the tags of the key', async () => {
      const store = await makeStore();
      expect(await store.set('t:1', 'v', 10_000, { tags: ['a'] })).toBe(true);
      expect(await store.set('t:1', 'w', 10_000, { tags: ['b'] })).toBe(true);
      expect(await store.deleteTags(['a'])).toBe(0);
      expect(await store.get('t:1')).toBe('w');
      expect(await store.deleteTags(['b'])).toBe(1);
      expect(await store.get('t:1')).toBeUndefined();
    });

    it('deletes by tag: every entry filed under any of the tags, and nothing else', async () => {
      const store = await makeStore();
      await store.set('posts:alice:1', '1', 10_000, { tags: ['posts:alice', 'posts'] });
      await store.set('posts:alice:2', '2', 10_000, { tags: ['posts:alice'] });
      await store.set('posts:bob:1', '3', 10_000, { tags: ['posts:bob', 'posts'] });
      await store.set('users:1', '4', 10_000, { tags: ['users'] });
      await store.set('plain', '5', 10_000);
      expect(await store.deleteTags(['posts:alice'])).toBe(2);
      expect(await store.get('posts:alice:1')).toBeUndefined();
      expect(await store.get('posts:bob:1')).toBe('3');
      expect(await store.deleteTags(['posts', 'users'])).toBe(2);
      expect(await store.get('users:1')).toBeUndefined();
      expect(await store.get('plain')).toBe('5');
      expect(await store.deleteTags(['posts', 'nothing'])).toBe(0);
      expect(await store.deleteTags([])).toBe(0);
    });

    it('does not count a tagged entry that expired or was deleted otherwise', async () => {
      const store = await makeStore();
      await store.set('gone', 'v', 50, { tags: ['t'] });
      await store.set('deleted', 'v', 10_000, { tags: ['t'] });
      await store.set('kept', 'v', 10_000, { tags: ['t'] });
      await store.delete(['deleted']);
      await sleep(120);
      expect(await store.deleteTags(['t'])).toBe(1);
    });

    it('treats tags as exact strings, glob characters and separators included', async () => {
      const store = await makeStore();
      await store.set('k1', 'v', 10_000, { tags: ['posts:*'] });
      await store.set('k2', 'v', 10_000, { tags: ['posts:alice'] });
      await store.set('k3', 'v', 10_000, { tags: ['posts:alice:x'] });
      expect(await store.deleteTags(['posts:*'])).toBe(1);
      expect(await store.get('k2')).toBe('v');
      expect(await store.deleteTags(['posts:alice'])).toBe(1);
      expect(await store.get('k3')).toBe('v');
    });

    it('clears every entry, tagged ones included', async () => {
      const store = await makeStore();
      await store.set('a:1', 'v', 10_000, { tags: ['t'] });
      await store.set('b', 'v', 10_000);
      await store.clear();
      expect(await store.get('a:1')).toBeUndefined();
      expect(await store.get('b')).toBeUndefined();
      expect(await store.deleteTags(['t'])).toBe(0);
      await store.set('b', 'again', 10_000);
      expect(await store.get('b')).toBe('again');
    });

    it('stores a set whose mark no invalidation has passed', async () => {
      const store = await makeStore();
      const mark = await store.mark('m:1', ['tag']);
      await store.set('m:other', 'v', 10_000);
      expect(await store.set('m:1', 'v', 10_000, { since: mark, tags: ['tag'] })).toBe(true);
      expect(await store.get('m:1')).toBe('v');
    });

    it('refuses a set whose mark an invalidation of its key passed', async () => {
      const store = await makeStore();
      const mark = await store.mark('m:1', []);
      await store.delete(['m:1']);
      expect(await store.set('m:1', 'old', 10_000, { since: mark })).toBe(false);
      expect(await store.get('m:1')).toBeUndefined();
      const fresh = await store.mark('m:1', []);
      expect(await store.set('m:1', 'new', 10_000, { since: fresh })).toBe(true);
      expect(await store.get('m:1')).toBe('new');
    });

    it('refuses a set whose mark a matching pattern, a tag or a clear passed', async () => {
      const store = await makeStore();
      const byPattern = await store.mark('alice_posts:page_1:alice', []);
      await store.deletePattern('alice_posts:*');
      expect(await store.set('alice_posts:page_1:alice', 'v', 10_000, { since: byPattern })).toBe(
        false,
      );
      const broad = await store.mark('bob_posts:page_1:bob', []);
      await store.deletePattern('*_posts:*');
      expect(await store.set('bob_posts:page_1:bob', 'v', 10_000, { since: broad })).toBe(false);
      const byTag = await store.mark('x', ['t1', 't2']);
      await store.deleteTags(['t2']);
      expect(await store.set('x', 'v', 10_000, { since: byTag, tags: ['t1', 't2'] })).toBe(false);
      const byClear = await store.mark('y', []);
      await store.clear();
      expect(await store.set('y', 'v', 10_000, { since: byClear })).toBe(false);
      expect(await store.get('x')).toBeUndefined();
      expect(await store.get('y')).toBeUndefined();
    });

    it('does not let an invalidation elsewhere refuse a set', async () => {
      const store = await makeStore();
      const mark = await store.mark('alice_posts:page_1:alice', ['posts:alice']);
      await store.deletePattern('bob_posts:*');
      await store.deleteTags(['posts:bob']);
      expect(
        await store.set('alice_posts:page_1:alice', 'v', 10_000, {
          since: mark,
          tags: ['posts:alice'],
        }),
      ).toBe(true);
    });
  });
}
