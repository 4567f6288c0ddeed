import { markLocalStore } from '@kit/internal';
import { check } from '../checks.js';
import { globToRegExp } from '../glob.js';
import type { CacheStore } from '../types.js';
import { InvalidationRecord, keyScope, patternScope, tagScope } from './invalidation-record.js';
import { PEEK_ENTRY } from './memory-entry.js';
import { TagIndex } from './tag-index.js';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Most entries kept; the least recently used goes first.
   * @default 10000
   */
  maxEntries?: number;
  /**
   * Approximate memory bound in bytes (2 bytes per character of key and value, as V8 stores
   * most strings); the least recently used entries go first.
   * @default 67108864 (64 MiB)
   */
  maxBytes?: number;
}

interface Slot {
  value: string;
  expiresAt: number;
  bytes: number;
  /** The operation count when the slot last moved to the recent end. */
  touched: number;
  /** What `set` filed it under (empty for most entries: one shared array). */
  tags: readonly string[];
  /** What a reader decoded from `value` (see HeldEntry); `undefined` until one does. */
  memo: unknown;
}

const NO_TAGS: readonly string[] = Object.freeze([]);

/** A bounded in-process store, for one process or for tests. */
export interface MemoryStore extends CacheStore {
  /** Entries held now, expired ones included until touched or evicted. */
  readonly size: number;
  /** Bytes held now, by the same estimate as `maxBytes`. */
  readonly bytes: number;
  /** `get` without the promise: what the store holds for `key` now. */
  peek(key: string): string | undefined;
}

/**
 * An (approximately) LRU store with per-entry TTL, bounded by entries and by bytes. A hit
 * moves its entry to the recent end once it is in the older half. Pattern deletion walks
 * the entries (bounded by `maxEntries`); tag deletion visits only the entries tagged. Marks
 * are one in-process counter (see `InvalidationRecord`).
 *
 * @example
 * ```ts
 * import { createCache } from '@kit/cache';
 * import { memoryStore } from '@kit/cache/memory';
 *
 * const appCache = createCache({ store: memoryStore({ maxEntries: 5000 }) });
 * ```
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  check.object(options, 'options', 'an object', 'memory');
  check.knownKeys(options, ['maxEntries', 'maxBytes'], 'memoryStore', 'memory');
  const maxEntries = check.positiveInteger('maxEntries', options.maxEntries, 10_000, 'memory');
  const maxBytes = check.positiveInteger('maxBytes', options.maxBytes, 64 * 1024 * 1024, 'memory');
  // A Map iterates in insertion order: re-inserting on access makes the first key the LRU.
  const slots = new Map<string, Slot>();
  let bytes = 0;
  // Reads and writes so far: how far a slot has drifted from the recent end.
  let operations = 0;
  const tagIndex = new TagIndex();
  const record = new InvalidationRecord();

  const remove = (key: string): boolean => {
    const slot = slots.get(key);
    if (!slot) return false;
    slots.delete(key);
    bytes -= slot.bytes;
    if (slot.tags.length > 0) tagIndex.unfile(key, slot.tags);
    return true;
  };
  const live = (key: string, now: number): Slot | undefined => {
    const slot = slots.get(key);
    if (slot && slot.expiresAt <= now) {
      remove(key);
      return undefined;
    }
    return slot;
  };

  function peekEntry(key: string): Slot | undefined {
    const slot = live(key, Date.now());
    if (!slot) return undefined;
    // Approximate LRU: a hit moves its slot to the recent end only once it has drifted into
    // the older half, so hot keys are not deleted and re-inserted on every read.
    if (++operations - slot.touched > slots.size >>> 1) {
      slot.touched = operations;
      slots.delete(key);
      slots.set(key, slot);
    }
    return slot;
  }

  function peek(key: string): string | undefined {
    return peekEntry(key)?.value;
  }

  return markLocalStore({
    name: 'memory',
    get size() {
      return slots.size;
    },
    get bytes() {
      return bytes;
    },
    async get(key) {
      return peek(key);
    },
    peek,
    [PEEK_ENTRY]: peekEntry,
    async set(key, value, ttlMs, options) {
      const tags = options?.tags?.length ? [...new Set(options.tags)] : NO_TAGS;
      if (options?.since !== undefined && !record.allows(options.since, key, tags)) return false;
      remove(key);
      const size = (key.length + value.length) * 2;
      // Too large or already expired: gone at once, as the bounds would evict it; not refused.
      if (size > maxBytes || ttlMs <= 0) return true;
      const expiresAt = Date.now() + ttlMs;
      slots.set(key, {
        value,
        expiresAt,
        bytes: size,
        touched: ++operations,
        tags,
        memo: undefined,
      });
      if (tags.length > 0) tagIndex.file(key, tags);
      bytes += size;
      for (const oldest of slots.keys()) {
        if (slots.size <= maxEntries && bytes <= maxBytes) break;
        remove(oldest);
      }
      return true;
    },
    async delete(keys) {
      if (keys.length > 0) record.invalidate(...keys.map(keyScope));
      const now = Date.now();
      let deleted = 0;
      for (const key of keys) {
        if (live(key, now) && remove(key)) deleted++;
      }
      return deleted;
    },
    async deletePattern(pattern) {
      record.invalidate(patternScope(pattern));
      const matcher = globToRegExp(pattern);
      const now = Date.now();
      let deleted = 0;
      for (const [key, slot] of slots) {
        if (!matcher.test(key)) continue;
        remove(key);
        if (slot.expiresAt > now) deleted++;
      }
      return deleted;
    },
    async deleteTags(tags) {
      if (tags.length === 0) return 0;
      record.invalidate(...tags.map(tagScope));
      const now = Date.now();
      let deleted = 0;
      for (const key of tagIndex.keysOf(tags)) {
        // Counted only while live; an expired entry still leaves the index with its slot.
        if (live(key, now) && remove(key)) deleted++;
      }
      return deleted;
    },
    async clear() {
      record.invalidateAll();
      slots.clear();
      tagIndex.clear();
      bytes = 0;
    },
    async mark() {
      return record.mark();
    },
  });
}
