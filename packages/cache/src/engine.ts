import { decodeEntry, encodeEntry } from './entry.js';
import { globToRegExp } from './glob.js';
import { GuardedStore } from './guarded-store.js';
import type { ResolvedCacheOptions } from './options.js';
import type { CachedEntry, ReadOutcome } from './types.js';

/** Runs the handler for this request and returns what it produced, if cacheable. */
export type Loader = (state: 'MISS' | 'BYPASS') => Promise<CachedEntry | undefined>;

/** One in-process load of a key that concurrent requests share. */
interface Flight {
  /** Resolves to the leader's entry, or `undefined` if it was not cacheable; never rejects. */
  shared: Promise<CachedEntry | undefined>;
  /** The entry being refreshed, served to others meanwhile (stale-while-revalidate). */
  stale: CachedEntry | undefined;
  /** Set when a write invalidated the key mid-load: the loaded entry must not be stored. */
  cancelled: boolean;
}

const FAILED = Symbol('failed');

/** The read path (single-flight, stale-while-revalidate) and invalidation, shared by all routes. */
export class CacheEngine {
  readonly options: ResolvedCacheOptions;
  readonly store: GuardedStore;
  readonly #flights = new Map<string, Flight>();

  constructor(options: ResolvedCacheOptions) {
    this.options = options;
    this.store = new GuardedStore(options.store, options.logger);
  }

  /**
   * Serves `key` from the store, or runs `load` once for all concurrent requests of this
   * process. With `background`, a stale entry is returned at once and the refresh runs
   * detached; without it (adapters, which cannot replay a request), the first request to see
   * the stale entry refreshes it and everyone else gets the stale entry meanwhile.
   */
  async read(key: string, load: Loader, ttlMs: number, background: boolean): Promise<ReadOutcome> {
    // Most hits find no load in flight: skip hashing the fresh key string for nothing.
    const pending = this.#flights.size > 0 ? this.#flights.get(key) : undefined;
    if (pending) return this.#join(pending, load);

    const raw = await this.store.run('get', this.options.timeoutMs, FAILED, (s) => s.get(key));
    if (raw === FAILED) return { state: 'BYPASS', entry: await load('BYPASS'), ran: true };
    const entry = raw === undefined ? undefined : decodeEntry(raw);
    if (entry && entry.freshUntil > Date.now()) return { state: 'HIT', entry, ran: false };

    // Another request may have become the leader while we waited on the store.
    const raced = this.#flights.size > 0 ? this.#flights.get(key) : undefined;
    if (raced) return entry ? { state: 'STALE', entry, ran: false } : this.#join(raced, load);

    const flight = this.#lead(key, load, ttlMs, entry);
    if (entry && background) {
      flight.catch(() => {});
      return { state: 'STALE', entry, ran: false };
    }
    return { state: 'MISS', entry: await flight, ran: true };
  }

  async #join(flight: Flight, load: Loader): Promise<ReadOutcome> {
    if (flight.stale) return { state: 'STALE', entry: flight.stale, ran: false };
    const shared = await flight.shared;
    if (shared) return { state: 'HIT', entry: shared, ran: false };
    // The leader's response was not cacheable (an error, a 404...): answer on our own.
    return { state: 'MISS', entry: await load('MISS'), ran: true };
  }

  #lead(
    key: string,
    load: Loader,
    ttlMs: number,
    stale: CachedEntry | undefined,
  ): Promise<CachedEntry | undefined> {
    const loading = load('MISS');
    const flight: Flight = { shared: loading.catch(() => undefined), stale, cancelled: false };
    this.#flights.set(key, flight);
    const release = () => {
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    };
    // The flight stays registered until the SET lands, so requests arriving in between are
    // served the new entry instead of reading the store before it has it.
    void flight.shared.then(async (entry) => {
      if (entry && !flight.cancelled) {
        const value = encodeEntry(entry);
        await this.store.run('set', this.options.timeoutMs, undefined, (s) =>
          s.set(key, value, ttlMs),
        );
      }
      release();
    });
    return loading;
  }

  /**
   * Deletes keys and every key matching the patterns. Resolves to the number deleted, or
   * `undefined` when the store failed (logged).
   */
  async invalidate(
    keys: readonly string[],
    patterns: readonly string[],
  ): Promise<number | undefined> {
    this.#cancelFlights(keys, patterns);
    if (keys.length === 0 && patterns.length === 0) return 0;
    return await this.store.run(
      'invalidate',
      this.options.invalidationTimeoutMs,
      undefined,
      async (s) => {
        const counts = await Promise.all([
          keys.length > 0 ? s.delete(keys) : 0,
          ...patterns.map((pattern) => s.deletePattern(pattern)),
        ]);
        return counts.reduce((sum, count) => sum + count, 0);
      },
    );
  }

  /** A load that started before a write finished must not store what it read. */
  #cancelFlights(keys: readonly string[], patterns: readonly string[]): void {
    if (this.#flights.size === 0) return;
    const matchers = patterns.map(globToRegExp);
    for (const [key, flight] of this.#flights) {
      if (keys.includes(key) || matchers.some((matcher) => matcher.test(key))) {
        flight.cancelled = true;
        // Later readers must go to the store, not share what was read before the write.
        this.#flights.delete(key);
      }
    }
  }
}
