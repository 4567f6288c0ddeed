import type { Duration, Logger } from '@kit/internal';

export type { Duration, DurationString, Logger } from '@kit/internal';

/**
 * A mark of the invalidations a store has seen, taken before a load begins (see
 * {@link CacheStore.mark}): opaque to the cache, compared by the store when the load's result
 * is written.
 */
export type StoreMark = string;

/** Options of {@link CacheStore.set}. */
export interface StoreSetOptions {
  /** Tags the entry is filed under: {@link CacheStore.deleteTags} deletes it with them. */
  tags?: readonly string[];
  /**
   * Refuse the write (resolve `false`) when an invalidation covering the key or one of the
   * tags ran after this mark was taken: a load that began before a write never stores what
   * it read after that write's invalidation.
   */
  since?: StoreMark;
}

/**
 * Where cached entries live. Small and async, in milliseconds; every method may reject,
 * and the cache turns a rejection into a bypass, never into an HTTP error.
 * Values are opaque strings (the cache's own envelope); stores never parse them.
 *
 * Invalidations (`delete`, `deletePattern`, `deleteTags`, `clear`) also advance what
 * {@link mark} reports for what they cover, before they delete anything, so a `set` with an
 * older mark is refused even when it races the delete.
 */
export interface CacheStore {
  /** Short name for logs and error messages, e.g. `memory`, `redis`. */
  readonly name: string;
  /** The stored string, or `undefined` when absent or expired. One round trip. */
  get(key: string): Promise<string | undefined>;
  /**
   * Stores `value` for `ttlMs` milliseconds, filed under `options.tags`. Resolves `false`
   * when `options.since` refused it, `true` when stored. One round trip where the store can.
   */
  set(key: string, value: string, ttlMs: number, options?: StoreSetOptions): Promise<boolean>;
  /** Deletes the given keys; resolves to how many existed. */
  delete(keys: readonly string[]): Promise<number>;
  /**
   * Deletes every key matching a Redis glob pattern (`*`, `?`, `[...]`, `\x` escapes) and
   * resolves to how many were deleted. The store picks the fastest correct way.
   */
  deletePattern(pattern: string): Promise<number>;
  /** Deletes every entry filed under one of `tags`, in O(entries tagged); resolves to how many. */
  deleteTags(tags: readonly string[]): Promise<number>;
  /** Deletes every entry of this store (within its prefix, for a shared server). */
  clear(): Promise<void>;
  /** A mark of the invalidations so far that cover `key` and `tags`; see {@link StoreSetOptions.since}. */
  mark(key: string, tags: readonly string[]): Promise<StoreMark>;
  /**
   * Optional, for cross-instance single flight (`singleFlight: 'global'`): takes a lock named
   * `name` for `ttlMs` unless another holder has it. Resolves to a token for `unlock`, or
   * `undefined` when it is held. Stores serving one process need not implement it.
   */
  lock?(name: string, ttlMs: number): Promise<string | undefined>;
  /** Releases a lock `lock` took, if `token` still holds it. */
  unlock?(name: string, token: string): Promise<void>;
}

/**
 * A message of a {@link CacheBus}: what one instance invalidated or overwrote, so every other
 * instance evicts it from its memory layer.
 */
export interface BusMessage {
  keys?: readonly string[];
  patterns?: readonly string[];
  tags?: readonly string[];
  clear?: boolean;
}

/**
 * Carries invalidations between the instances that share a store, so each evicts its memory
 * layer (`l1`): `redisBus({ client })` from `@kit/cache/redis`.
 */
export interface CacheBus {
  /** Short name for logs, e.g. `redis`. */
  readonly name: string;
  /**
   * Starts listening. `onMessage` gets what other instances publish (never this one's own);
   * `onState` is called with `false` when messages may be lost and `true` once they flow again.
   */
  start(onMessage: (message: BusMessage) => void, onState: (up: boolean) => void): Promise<void>;
  /** Sends a message to every other instance; rejects when the bus is down. */
  publish(message: BusMessage): Promise<void>;
  /** Whether messages flow now. */
  readonly up: boolean;
  /** Stops listening and closes what `start` opened. */
  close(): Promise<void>;
}

/** Options of {@link createCache}. */
export interface CacheOptions {
  /** Where entries live: `memoryStore()` from `@kit/cache/memory`, `redisStore()` from `@kit/cache/redis`. */
  store: CacheStore;
  /**
   * How long to wait for the store before bypassing it and running the handler: seconds, or
   * a string such as `'250 ms'`.
   * @default '200 ms'
   */
  timeout?: Duration;
  /**
   * Upper bound on waiting for invalidation before a write's response is sent anyway.
   * @default '2 s'
   */
  invalidationTimeout?: Duration;
  /**
   * `max-age` of the `Cache-Control` header on successful cached reads: seconds, or a string
   * such as `'1 min'` (whole seconds are sent).
   * @default 60
   */
  clientMaxAge?: Duration;
  /**
   * Sends `X-Cache: HIT | MISS | STALE | BYPASS` on cached routes.
   * @default true
   */
  xCacheHeader?: boolean;
  /**
   * Where store failures and configuration errors found at request time are reported: pino,
   * or anything with `warn(details, message)` and `error(details, message)`. Repeated warnings
   * of one kind are throttled to one per 10 s. By default, one line per event on the console.
   */
  logger?: Logger | Console;
  /**
   * A bounded in-process layer in front of `store`, answering hits without a round trip:
   * `memoryStore({ maxEntries, maxBytes })`. Keep it coherent across instances with `bus`.
   */
  l1?: CacheStore;
  /**
   * Carries every invalidation and every `set` to the other instances, which evict their
   * `l1`: `redisBus({ client })` from `@kit/cache/redis`. Without one (or while it is down),
   * `l1` entries live at most `l1Ttl`.
   */
  bus?: CacheBus;
  /**
   * Longest an `l1` entry is served when no bus keeps it coherent (no `bus`, or the bus is down).
   * @default '5 s'
   */
  l1Ttl?: Duration;
  /**
   * Longest a caller waits for another instance's load with `singleFlight: 'global'` before
   * loading itself; also the lifetime of the lock, so a crashed holder blocks no one longer.
   * @default '5 s'
   */
  lockTimeout?: Duration;
  /** Default `ttl` of `getOrSet` and `set`. @default '1 h' */
  ttl?: Duration;
  /** How `getOrSet`, `get` and `set` turn values into strings and back. @default JSON */
  serializer?: Serializer;
  /**
   * Hits of `getOrSet` and `get` return one shared, deeply frozen value per stored entry
   * instead of deserializing a fresh copy each time: a memory-layer hit then costs no
   * `JSON.parse` (most of its cost for a 1 KB value). Values are read-only (mutating one throws
   * in strict mode). A loader's own result is returned as it was, unfrozen.
   * @default false
   */
  shareDecoded?: boolean;
}

/** Turns values of the data-layer API into stored strings and back. */
export interface Serializer {
  serialize(value: unknown): string;
  deserialize(text: string): unknown;
}

/** Which cache directive a successful read gets. */
export type CacheVisibility = 'auto' | 'public' | 'private';

/** Options of one cached route (`cache(instance, options)` in the adapters). */
export interface RouteOptions {
  /**
   * Key template; `{name}` placeholders are filled from the request's path and query
   * parameters. The key is `<formatted prefix>:<resource id>`.
   * @example '{username}_posts:page_{page}:items_per_page:{items_per_page}'
   */
  keyPrefix: string;
  /** The parameter holding the resource id. Without it, the id is inferred (see `resourceIdType`). */
  resourceIdName?: string;
  /**
   * How to infer the id when `resourceIdName` is absent: `integer` takes the last integer
   * parameter whose name contains `id`, `string` the last parameter.
   * @default 'integer'
   */
  resourceIdType?: 'integer' | 'string';
  /**
   * Values for placeholders the request may omit, such as query parameters with defaults
   * in the handler (`{ page: 1, items_per_page: 10 }`). They apply to absent parameters only:
   * a read with an empty one (`?page=`) is served uncached, since the handler may reject it.
   */
  defaults?: Record<string, string | number>;
  /** Read routes: seconds (or `"1 h"`) an entry stays fresh. @default 3600 */
  expiration?: Duration;
  /**
   * Read routes: seconds after `expiration` during which the stale entry is still served
   * while one request refreshes it.
   * @default 0
   */
  staleWhileRevalidate?: Duration;
  /**
   * Read routes: seconds (or `"1 day"`) after `expiration` during which the expired entry is
   * served instead of the handler's error (a 5xx response or a thrown error), marked
   * `X-Cache: STALE` (RFC 5861 `stale-if-error`).
   * @default 0
   */
  grace?: Duration;
  /**
   * Read routes: tags the entry is filed under, placeholders filled like the key's, so a write
   * (or `appCache.invalidate({ tags })`) can drop every entry of a tag at once.
   * @example ['posts:{username}']
   */
  tags?: readonly string[];
  /**
   * Read routes: `global` makes concurrent misses of one key across instances run the handler
   * once, the others waiting (at most `lockTimeout`) for its result; `instance` shares a load
   * within this process only.
   * @default 'instance'
   */
  singleFlight?: SingleFlight;
  /** Read routes: overrides the instance's `clientMaxAge` for this route, in seconds. */
  clientMaxAge?: Duration;
  /**
   * Read routes: `auto` sends `private` when the request carried an `Authorization` header or
   * a cookie and `public` otherwise; `public`/`private` force one.
   * @default 'auto'
   */
  cacheControl?: CacheVisibility;
  /**
   * Write routes: extra keys to delete after a successful write, as
   * `{ keyPrefixTemplate: resourceIdTemplate }`: `{ '{username}_posts': '{username}' }`
   * deletes `alice_posts:alice`.
   */
  toInvalidateExtra?: Record<string, string>;
  /**
   * Write routes: patterns whose matching keys are deleted after a successful write.
   * Placeholder values are escaped, so only the template's own `*` matches broadly.
   * @example ['{username}_posts:*']
   */
  patternToInvalidateExtra?: readonly string[];
  /**
   * Write routes: tags whose entries are deleted after a successful write, placeholders filled
   * from the request.
   * @example ['posts:{username}']
   */
  tagsToInvalidate?: readonly string[];
}

/** Whether concurrent misses share one load per process (`instance`) or across instances. */
export type SingleFlight = 'instance' | 'global';

/**
 * One parameter's value. An array stands for a query parameter the request repeated
 * (`?page=1&page=2`) or gave a structured value (`?page[a]=1`, as `[]`): frameworks and
 * handlers disagree on which value such a parameter means, so it never goes into a key.
 */
export type RequestParamValue = string | number | readonly string[] | undefined;

/** Request parameters, path and query merged (path wins on a clash). */
export type RequestParams = Readonly<Record<string, RequestParamValue>>;

/** How a read was served. `BYPASS` means the store failed or was too slow. */
export type CacheState = 'HIT' | 'MISS' | 'STALE' | 'BYPASS';

/** A cached response, as stored in (and read back from) the store. */
export interface CachedEntry {
  status: number;
  contentType: string;
  /** The exact bytes sent on the miss, as a string. */
  body: string;
  /** Strong ETag, quoted. */
  etag: string;
  /** Epoch ms after which the entry is stale. */
  freshUntil: number;
}

/** What a read tells the adapter to do. */
export interface ReadOutcome {
  state: CacheState;
  /** The entry to send, when the handler did not run for this request. */
  entry: CachedEntry | undefined;
  /** True when this request's own handler ran (its response is already on its way). */
  ran: boolean;
}
