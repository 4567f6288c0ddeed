import { DecodedMemo } from './decoded-memo.js';
import { deepFreeze } from './deep-freeze.js';
import { GuardedStore } from './guarded-store.js';
import { Coverage, type Invalidation, isEmpty } from './invalidation.js';
import type { LayeredStore } from './layered-store.js';
import type { ResolvedCacheOptions } from './options.js';
import { PendingInvalidations } from './pending-invalidations.js';
import {
  createRecord,
  decodeRecord,
  encodeRecord,
  type Lifetimes,
  recordTags,
  type StoredRecord,
  storeTtlMs,
} from './record.js';
import { lockKeyOf, waitForOtherLoad } from './store-lock.js';
import type { CacheState } from './types.js';

/** How the load of a read runs: for this request (`MISS`), or because the store failed. */
export type LoadState = 'MISS' | 'BYPASS';

/**
 * A load older than this is not stored: the store's record of the invalidations that could
 * have overtaken it lasts an hour (see the Redis store's MARKER_TTL_MS).
 */
export const MAX_LOAD_MS = 30 * 60_000;

/** What a read asks of the engine. */
export interface ReadSpec {
  /** Tags the loaded entry is filed under. */
  tags: readonly string[];
  lifetimes: Lifetimes;
  /** Serve a stale entry at once and refresh it detached (the data layer, the framework-free wrapper). */
  background: boolean;
  /**
   * Loads the value: resolves its payload, `undefined` when it is not cacheable (an error
   * response), and rejects when it failed. `grace` is the expired entry that may stand in
   * for a failure (stale-if-error), if there is one.
   */
  load(state: LoadState, grace: StoredRecord | undefined): Promise<string | undefined>;
  /**
   * Data layer: callers sharing a failed load get its error (or the grace entry). Routes:
   * each runs its own handler instead, since a request cannot answer with another's error.
   */
  shareFailure: boolean;
  /** With a grace entry, serve it when the load takes longer than this; the load goes on. */
  loadTimeoutMs?: number | undefined;
  /** Cross-instance single flight: hold a store lock this long while loading. */
  lockMs?: number | undefined;
}

/** How a read was served. */
export interface ReadResult {
  state: CacheState;
  /** What was served or loaded; `undefined` when the load was not cacheable. */
  record: StoredRecord | undefined;
  /** True when this caller's own load ran (a route's handler already answered). */
  ran: boolean;
}

type FlightResult =
  | { ok: true; record: StoredRecord | undefined; ran: boolean }
  | { ok: false; error: unknown };

/** One in-process load of a key that concurrent callers share. */
interface Flight {
  /** Never rejects. */
  result: Promise<FlightResult>;
  /** The entry being refreshed, served to others meanwhile (stale-while-revalidate). */
  stale: StoredRecord | undefined;
  grace: StoredRecord | undefined;
  tags: readonly string[];
  /** Set when an invalidation covered the key mid-load: the result must not be stored. */
  cancelled: boolean;
}

const FAILED = Symbol('failed');
/** Decoded values `shareDecoded` keeps, most recent first out of a bounded map. */
const MEMO_ENTRIES = 10_000;

/**
 * The read path (single-flight in-process and optionally across instances, stale-while-
 * revalidate, stale-if-error, refill marks) and the one invalidation path (retried until the
 * store takes it), shared by routes and the data-layer API.
 */
export class CacheEngine {
  readonly options: ResolvedCacheOptions;
  readonly store: GuardedStore;
  readonly pending: PendingInvalidations;
  /** With `shareDecoded`: one frozen decoded value per stored payload, handed to every hit. */
  readonly decodedMemo: DecodedMemo | undefined;
  readonly #flights = new Map<string, Flight>();
  /** A synchronous read of the memory layer, when the store has one (l1 in front of Redis). */
  readonly #peek: ((key: string) => StoredRecord | undefined) | undefined;

  constructor(options: ResolvedCacheOptions) {
    this.options = options;
    const { store } = options;
    this.#peek =
      'peekL1Decoded' in store && typeof store.peekL1Decoded === 'function'
        ? (key: string) => (store as LayeredStore).peekL1Decoded(key, decodeRecord)
        : undefined;
    this.store = new GuardedStore(options.store, options.logger);
    this.pending = new PendingInvalidations(
      (invalidation) => this.#apply(invalidation).then((count) => count !== undefined),
      options.logger,
      { keys: [], patterns: [], tags: [], clear: true },
    );
    const { serializer } = options;
    this.decodedMemo = options.shareDecoded
      ? new DecodedMemo((text) => deepFreeze(serializer.deserialize(text)), MEMO_ENTRIES)
      : undefined;
  }

  /**
   * Reads `key`, or loads it once for every concurrent caller of this process. `specOf` is
   * called only when the read needs more than a hit (a miss, a stale entry, a bypass), so a
   * hit costs neither the spec nor its checks.
   */
  read(key: string, specOf: () => ReadSpec): Promise<ReadResult> {
    // Most hits find no load in flight: skip hashing the key string for nothing.
    const pending = this.#flights.size > 0 ? this.#flights.get(key) : undefined;
    if (pending) return this.#join(pending, specOf());
    // The l1 copy's record, decoded once per copy: a hit re-reads only its times.
    const record = this.#peek?.(key);
    if (record !== undefined) {
      if (
        record.freshUntil > Date.now() &&
        !(this.pending.size > 0 && this.#coveredByPending(key, record))
      ) {
        // A memory-layer hit: no await on the way.
        return Promise.resolve({ state: 'HIT', record, ran: false });
      }
    }
    return this.#readStore(key, specOf);
  }

  async #readStore(key: string, specOf: () => ReadSpec): Promise<ReadResult> {
    const raw = await this.store.run('get', this.options.timeoutMs, FAILED, (s) => s.get(key));
    if (raw === FAILED) return this.#bypass(specOf());
    let record = raw === undefined ? undefined : decodeRecord(raw);
    if (record && this.pending.size > 0 && this.#coveredByPending(key, record)) {
      return this.#bypass(specOf());
    }
    const now = Date.now();
    if (record && record.freshUntil > now) return { state: 'HIT', record, ran: false };
    if (record && Math.max(record.staleUntil, record.graceUntil) <= now) record = undefined;
    const spec = specOf();

    // Another caller may have become the leader while we waited on the store.
    const raced = this.#flights.size > 0 ? this.#flights.get(key) : undefined;
    const stale = record && record.staleUntil > now ? record : undefined;
    if (raced)
      return stale ? { state: 'STALE', record: stale, ran: false } : this.#join(raced, spec);

    const grace = record && record.graceUntil > now ? record : undefined;
    const flight = this.#lead(key, spec, stale, grace);
    if (stale && spec.background) return { state: 'STALE', record: stale, ran: false };
    return this.#await(flight, spec);
  }

  async #await(flight: Flight, spec: ReadSpec): Promise<ReadResult> {
    const { grace } = flight;
    const result =
      grace && spec.loadTimeoutMs !== undefined
        ? await withTimeout(flight.result, spec.loadTimeoutMs)
        : await flight.result;
    if (result === undefined) {
      this.#warnGrace('took longer than its loadTimeout');
      return { state: 'STALE', record: grace, ran: false };
    }
    if (result.ok) return { state: 'MISS', record: result.record, ran: result.ran };
    if (grace) {
      this.#warnGrace('failed', result.error);
      return { state: 'STALE', record: grace, ran: false };
    }
    throw result.error;
  }

  async #join(flight: Flight, spec: ReadSpec): Promise<ReadResult> {
    if (flight.stale) return { state: 'STALE', record: flight.stale, ran: false };
    const result = await flight.result;
    if (result.ok && result.record) return { state: 'HIT', record: result.record, ran: false };
    if (!result.ok && spec.shareFailure) {
      if (flight.grace) return { state: 'STALE', record: flight.grace, ran: false };
      throw result.error;
    }
    // The leader's load was not cacheable (an error, a 404...): answer on our own.
    const payload = await spec.load('MISS', flight.grace);
    return { state: 'MISS', record: this.#unstored(payload, spec), ran: true };
  }

  /** The store failed, or an entry a pending invalidation covers: load, store nothing. */
  async #bypass(spec: ReadSpec): Promise<ReadResult> {
    const payload = await spec.load('BYPASS', undefined);
    return { state: 'BYPASS', record: this.#unstored(payload, spec), ran: true };
  }

  #unstored(payload: string | undefined, spec: ReadSpec): StoredRecord | undefined {
    return payload === undefined ? undefined : createRecord(payload, spec.tags, spec.lifetimes);
  }

  #lead(
    key: string,
    spec: ReadSpec,
    stale: StoredRecord | undefined,
    grace: StoredRecord | undefined,
  ): Flight {
    const flight: Flight = {
      result: undefined as unknown as Promise<FlightResult>,
      stale,
      grace,
      tags: spec.tags,
      cancelled: false,
    };
    this.#flights.set(key, flight);
    flight.result = this.#load(key, spec, flight).then(
      (result) => result,
      (error: unknown): FlightResult => ({ ok: false, error }),
    );
    // The flight stays registered until the SET lands (inside #load), so callers arriving in
    // between are served the new entry instead of reading the store before it has it.
    void flight.result.then(() => {
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    });
    return flight;
  }

  async #load(key: string, spec: ReadSpec, flight: Flight): Promise<FlightResult> {
    const { timeoutMs } = this.options;
    const startedAt = Date.now();
    // Taken before the load starts: an invalidation after this point refuses the write below.
    const mark = await this.store.run('mark', timeoutMs, FAILED, (s) => s.mark(key, spec.tags));
    let lock: string | undefined;
    if (spec.lockMs !== undefined && mark !== FAILED) {
      const other = await waitForOtherLoad(this.store, key, spec.lockMs, timeoutMs);
      if (other.record) return { ok: true, record: other.record, ran: false };
      lock = other.token;
    }
    try {
      const payload = await spec.load('MISS', flight.grace);
      if (payload === undefined) return { ok: true, record: undefined, ran: true };
      const record = createRecord(payload, spec.tags, spec.lifetimes);
      const storable = !flight.cancelled && mark !== FAILED && Date.now() - startedAt < MAX_LOAD_MS;
      if (storable) {
        const value = encodeRecord(record);
        await this.store.run('set', timeoutMs, false, (s) =>
          s.set(key, value, storeTtlMs(record), { tags: spec.tags, since: mark }),
        );
      }
      return { ok: true, record, ran: true };
    } finally {
      if (lock !== undefined) {
        const token = lock;
        void this.store.run('unlock', timeoutMs, undefined, (s) =>
          s.unlock!(lockKeyOf(key), token),
        );
      }
    }
  }

  /** Whether a pending invalidation covers an entry: by its key, or the tags it was filed under. */
  #coveredByPending(key: string, record: StoredRecord): boolean {
    return this.pending.covers(key, () => recordTags(record));
  }

  #warnGrace(what: string, error?: unknown): void {
    this.store.warnOnce(
      `grace:${what}`,
      { code: 'E_LOAD_FAILED', ...(error === undefined ? {} : { err: error }) },
      `a load ${what}; serving the expired entry within its grace period`,
    );
  }

  /**
   * Writes a value directly (the data layer's `set`): loads in flight for the key are
   * cancelled, since what they read may be older. Resolves `false` when the store failed.
   */
  async write(key: string, payload: string, tags: readonly string[], lifetimes: Lifetimes) {
    this.cancel({ keys: [key], patterns: [], tags: [], clear: false });
    const record = createRecord(payload, tags, lifetimes);
    const value = encodeRecord(record);
    return await this.store.run('set', this.options.timeoutMs, false, (s) =>
      s.set(key, value, storeTtlMs(record), { tags }),
    );
  }

  /** The record under `key` (fresh, stale or in grace), or `undefined`; never throws. */
  async peek(key: string): Promise<StoredRecord | undefined> {
    const raw = await this.store.run('get', this.options.timeoutMs, undefined, (s) => s.get(key));
    const record = raw === undefined ? undefined : decodeRecord(raw);
    if (!record || (this.pending.size > 0 && this.#coveredByPending(key, record))) return undefined;
    return record;
  }

  /**
   * Deletes what `invalidation` covers. Resolves to the number deleted, or `undefined` when
   * the store failed: the invalidation is then kept and retried until it succeeds, and this
   * process serves nothing it covers meanwhile.
   */
  async invalidate(invalidation: Invalidation): Promise<number | undefined> {
    this.cancel(invalidation);
    if (isEmpty(invalidation)) return 0;
    const count = await this.#apply(invalidation);
    if (count === undefined) this.pending.add(invalidation);
    return count;
  }

  #apply(invalidation: Invalidation): Promise<number | undefined> {
    const { keys, patterns, tags, clear } = invalidation;
    return this.store.run(
      'invalidate',
      this.options.invalidationTimeoutMs,
      undefined,
      async (s) => {
        if (clear) {
          await s.clear();
          return 0;
        }
        const counts = await Promise.all([
          keys.length > 0 ? s.delete(keys) : 0,
          ...patterns.map((pattern) => s.deletePattern(pattern)),
          tags.length > 0 ? s.deleteTags(tags) : 0,
        ]);
        return counts.reduce((sum, count) => sum + count, 0);
      },
    );
  }

  /**
   * A load in flight that an invalidation covers must not store what it read, and later
   * callers must go to the store instead of sharing it. Also called for other instances'
   * invalidations, as the bus brings them.
   */
  cancel(invalidation: Invalidation): void {
    if (this.#flights.size === 0) return;
    const coverage = new Coverage(invalidation);
    for (const [key, flight] of this.#flights) {
      if (coverage.covers(key, flight.tags)) {
        flight.cancelled = true;
        this.#flights.delete(key);
      }
    }
  }
}

/** Resolves `undefined` when `promise` takes longer than `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    void promise.then((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}
