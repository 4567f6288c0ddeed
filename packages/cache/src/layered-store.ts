import type { Logger } from '@kit/internal';
import { invalidOption } from './errors.js';
import { globToRegExp } from './glob.js';
import { BusLink } from './layers/bus-link.js';
import { FillGuard } from './layers/fill-guard.js';
import { heldValue, holdL1, storedAtOf } from './layers/l1-entry.js';
import { peekEntryOf } from './stores/memory-entry.js';
import type { BusMessage, CacheBus, CacheStore, StoreMark, StoreSetOptions } from './types.js';

/** Options of {@link createLayeredStore}. */
export interface LayeredStoreOptions {
  /** The in-process first level, e.g. `memoryStore({ maxEntries })`. */
  l1: CacheStore;
  /** The shared second level every instance reads and writes, e.g. `redisStore({ client })`. */
  l2: CacheStore;
  /** Carries invalidations between instances; without one, `l1` entries live at most `l1TtlMs`. */
  bus?: CacheBus;
  /** Longest an `l1` entry is served while no bus keeps it coherent (none, or down). */
  l1TtlMs: number;
  logger: Logger;
  /**
   * How many more milliseconds a stored value may be served (fresh, stale and grace windows
   * included), read from the cache's envelope; `undefined` when it cannot tell, and then
   * `l1TtlMs` bounds the copy. An `l1` copy never outlives this.
   */
  lifetimeOf: (value: string) => number | undefined;
  /**
   * The tags a stored value was filed under, when the envelope records them. Without it, a
   * value read from `l2` is evicted from `l1` by every tag invalidation (it might carry any).
   */
  tagsOf?: (value: string) => readonly string[] | undefined;
  /**
   * Called with each message from another instance, after `l1` was evicted: the engine
   * cancels its in-flight loads of what it covers.
   */
  onRemoteInvalidation?: (message: BusMessage) => void;
}

/** A {@link CacheStore} over two levels, plus the bus's lifetime. */
export interface LayeredStore extends CacheStore {
  /** Starts the bus (a no-op without one). Until it is up, `l1` copies live at most `l1TtlMs`. */
  start(): Promise<void>;
  /** Closes the bus; the stores are the app's and stay open. */
  close(): Promise<void>;
  /** Whether the bus keeps `l1` coherent now (false without a bus). */
  readonly coherent: boolean;
  /**
   * `decode` of the `l1` copy of `key` when it may be served, read synchronously (an `l1` with a
   * `peek`, such as `memoryStore()`); `undefined` means "ask `get`", not "absent". Decoded once
   * per stored copy when `l1` keeps its entries' decoded forms (`memoryStore()` does): later hits
   * of that copy get the same result.
   */
  peekL1Decoded<T>(key: string, decode: (value: string) => T): T | undefined;
}

/** The tag `l1` files copies under when their tags are unknown: every tag eviction takes them. */
const UNKNOWN_TAGS = '\u0000unknown-tags';

/**
 * Two levels: hits from the in-process `l1`, misses from the shared `l2` (then copied into
 * `l1`), writes to `l2` first, then `l1`, then the bus, so every other instance evicts its
 * copy. Marks (`mark`, `since`) are `l2`'s: only it is shared. Internal: `createCache` builds
 * it from the `l1`, `bus` and `l1Ttl` options.
 *
 * @example
 * ```ts
 * const store = createLayeredStore({
 *   l1: memoryStore({ maxEntries: 10_000 }),
 *   l2: redisStore({ client }),
 *   bus: redisBus({ client }),
 *   l1TtlMs: 5_000,
 *   logger,
 *   lifetimeOf: (value) => freshUntilOf(value) - Date.now(),
 * });
 * await store.start();
 * ```
 */
export function createLayeredStore(options: LayeredStoreOptions): LayeredStore {
  const { l1, l2, bus, l1TtlMs, logger, lifetimeOf, tagsOf } = options;
  if (!Number.isFinite(l1TtlMs) || l1TtlMs <= 0) {
    throw invalidOption('l1Ttl', 'must be a positive duration', { value: l1TtlMs });
  }
  const guard = new FillGuard();
  const link = new BusLink({
    bus,
    logger,
    l1TtlMs,
    evict,
    reset,
    onRemoteInvalidation: options.onRemoteInvalidation,
  });

  /** How long an `l1` copy of `value` may live, at most `ttlMs`; 0 for no copy. */
  const copyTtl = (value: string, ttlMs: number): number => {
    const lifetime = lifetimeOf(value) ?? l1TtlMs;
    return Math.max(0, Math.min(ttlMs, lifetime, link.coherent ? ttlMs : l1TtlMs));
  };

  /** Evicts what `message` covers from `l1`, in-flight fills included. */
  async function evict(message: BusMessage): Promise<void> {
    const { keys = [], patterns = [], tags = [] } = message;
    if (message.clear) return await reset();
    guard.evictKeys(keys);
    for (const pattern of patterns) guard.evictMatching(globToRegExp(pattern));
    // A read in flight cannot know its value's tags before it lands: refuse every fill.
    if (tags.length > 0) guard.evictAll();
    if (keys.length > 0) await l1.delete(keys);
    for (const pattern of patterns) await l1.deletePattern(pattern);
    if (tags.length > 0) await l1.deleteTags([...tags, UNKNOWN_TAGS]);
  }

  /** Drops every copy, and every fill and decoded form in flight with them. */
  async function reset(): Promise<void> {
    guard.evictAll();
    await l1.clear();
  }

  /** Runs an invalidation on `l2`, then evicts `l1` (also when `l2` failed), then publishes. */
  async function invalidate<T>(message: BusMessage, inL2: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await inL2();
    } catch (error) {
      // This process stops serving the copies at once; the caller retries the invalidation.
      await evict(message);
      throw error;
    }
    await evict(message);
    await link.publish(message);
    return result;
  }

  // A memory l1 answers synchronously: the engine's hit path then skips a promise and a deadline.
  const peekEntry = peekEntryOf(l1);
  const peekOf =
    typeof (l1 as { peek?: unknown }).peek === 'function'
      ? (key: string) => (l1 as unknown as { peek(key: string): string | undefined }).peek(key)
      : undefined;

  return {
    name: l2.name,
    get coherent() {
      return link.coherent;
    },
    peekL1Decoded<T>(key: string, decode: (value: string) => T): T | undefined {
      if (peekEntry === undefined) {
        const held = peekOf?.(key);
        const servable = held !== undefined && (link.coherent || trusted(held));
        return servable ? decode(heldValue(held)) : undefined;
      }
      const entry = peekEntry(key);
      if (entry === undefined || !(link.coherent || trusted(entry.value))) return undefined;
      // One decoded form per copy: a new copy is a new entry, with an empty memo.
      if (entry.memo === undefined) entry.memo = { decoded: decode(heldValue(entry.value)) };
      return (entry.memo as { decoded: T }).decoded;
    },
    async get(key) {
      // The hit path inline: one await, no closure, the time read only while the bus is down.
      const held = await l1.get(key);
      if (held !== undefined && (link.coherent || trusted(held))) return heldValue(held);
      return await readThrough(key, held);
    },
    async set(key, value, ttlMs, setOptions?: StoreSetOptions) {
      let stored: boolean;
      try {
        stored = await l2.set(key, value, ttlMs, setOptions);
      } catch (error) {
        // What l2 holds now is unknown: drop the copy, and any read in flight may not restore it.
        guard.evictKeys([key]);
        await l1.delete([key]);
        throw error;
      }
      // No read that began before this write may put its older copy back.
      guard.evictKeys([key]);
      // Only `false` is a refusal: a store of the first contract resolves `undefined` once stored.
      if (stored === false) {
        await l1.delete([key]);
        return false;
      }
      const ttl = copyTtl(value, ttlMs);
      const tags = setOptions?.tags ?? [];
      if (ttl > 0) await l1.set(key, holdL1(value, Date.now()), ttl, { tags });
      else await l1.delete([key]);
      await link.publish({ keys: [key] });
      return true;
    },
    delete: (keys) =>
      keys.length === 0 ? Promise.resolve(0) : invalidate({ keys }, () => l2.delete(keys)),
    deletePattern: (pattern) =>
      invalidate({ patterns: [pattern] }, () => l2.deletePattern(pattern)),
    deleteTags: (tags) =>
      tags.length === 0 ? Promise.resolve(0) : invalidate({ tags }, () => l2.deleteTags(tags)),
    clear: () => invalidate({ clear: true }, () => l2.clear()),
    mark: (key, tags): Promise<StoreMark> => l2.mark(key, tags),
    // Load locks are shared state, like marks: only l2 can hold them.
    ...(l2.lock && l2.unlock
      ? {
          lock: (name: string, ttlMs: number) => l2.lock!(name, ttlMs),
          unlock: (name: string, token: string) => l2.unlock!(name, token),
        }
      : {}),
    start: () => link.start(),
    close: () => link.close(),
  };

  /** Whether a copy may be served while no bus vouches for it: stored within `l1TtlMs`. */
  function trusted(held: string): boolean {
    return Date.now() - storedAtOf(held) < l1TtlMs;
  }

  /**
   * Reads `l2`, and copies what it read into `l1` unless an eviction arrived meanwhile.
   * `untrusted` is the copy `l1` held that may not be served: dropped first.
   */
  async function readThrough(
    key: string,
    untrusted: string | undefined,
  ): Promise<string | undefined> {
    if (untrusted !== undefined) await l1.delete([key]);
    const began = guard.begin(key);
    let value: string | undefined;
    try {
      value = await l2.get(key);
    } finally {
      const mayFill = guard.end(key, began);
      if (mayFill && value !== undefined) await fill(key, value);
    }
    return value;
  }

  async function fill(key: string, value: string): Promise<void> {
    const ttl = copyTtl(value, Number.POSITIVE_INFINITY);
    if (ttl <= 0) return;
    const tags = tagsOf?.(value) ?? [UNKNOWN_TAGS];
    await l1.set(key, holdL1(value, Date.now()), ttl, { tags });
  }
}
