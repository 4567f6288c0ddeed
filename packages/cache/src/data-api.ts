import { check } from './checks.js';
import type { CacheEngine } from './engine.js';
import { invalidOption } from './errors.js';
import { escapeGlob } from './glob.js';
import { type Invalidation, NOTHING } from './invalidation.js';
import { compileTemplate } from './key-template.js';
import { singleFlightOf } from './options.js';
import type { StoredRecord } from './record.js';
import type { Duration, RequestParams, SingleFlight } from './types.js';

/** Options of {@link CacheNamespace.getOrSet}. */
export interface GetOrSetOptions {
  /** How long the value stays fresh: seconds or a string such as `'10 min'`. @default the instance's `ttl` */
  ttl?: Duration;
  /** Tags the value is filed under: `invalidate({ tags })` drops every value of a tag at once. */
  tags?: readonly string[];
  /**
   * After `ttl`, how long the expired value is still returned at once while one caller
   * refreshes it in the background.
   * @default 0
   */
  staleWhileRevalidate?: Duration;
  /**
   * After `ttl`, how long the expired value is returned instead of the loader's error, or
   * instead of waiting past `loadTimeout` (RFC 5861 `stale-if-error`).
   * @default 0
   */
  grace?: Duration;
  /** With a value in grace, return it when the loader takes longer than this (the load goes on). */
  loadTimeout?: Duration;
  /** `global`: one loader run across every instance sharing the store. @default 'instance' */
  singleFlight?: SingleFlight;
}

/** Options of {@link CacheNamespace.set}. */
export interface SetOptions {
  /** @default the instance's `ttl` */
  ttl?: Duration;
  tags?: readonly string[];
}

/** What {@link CacheNamespace.invalidate} deletes. */
export interface InvalidateOptions {
  /** Exact keys, or key templates when `params` is given. */
  keys?: readonly string[];
  /** Redis glob patterns, or pattern templates when `params` is given (values are escaped). */
  patterns?: readonly string[];
  /** Tags, or tag templates when `params` is given. */
  tags?: readonly string[];
  /** Fills `{name}` placeholders in `keys`, `patterns` and `tags`. */
  params?: RequestParams;
}

/**
 * The data-layer API of a cache, over any value the serializer takes (JSON by default): what
 * `createCache()` returns, and `namespace(name)` of it, scoped to keys starting `name:`.
 */
export interface CacheNamespace {
  /**
   * The value under `key`, or the loader's result, stored for `ttl`. Concurrent calls of one
   * key share one loader run (across instances too, with `singleFlight: 'global'`). A store
   * outage runs the loader (nothing is stored); a loader error rejects, unless an expired
   * value is still within `grace`. A loader resolving `undefined` is not stored.
   *
   * @example
   * ```ts
   * const user = await appCache.getOrSet(`user:${id}`, () => db.user(id), {
   *   ttl: '10 min', tags: [`users`], grace: '1 h',
   * });
   * ```
   */
  getOrSet<T>(key: string, loader: () => T | Promise<T>, options?: GetOrSetOptions): Promise<T>;
  /** The value under `key` (fresh or within `staleWhileRevalidate`), or `undefined`; never rejects. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /**
   * Stores a value; loads of `key` in flight in this process are not stored after it.
   * Resolves `false` when the store failed or the value cannot be serialized.
   */
  set(key: string, value: unknown, options?: SetOptions): Promise<boolean>;
  /** Whether `key` holds a value `get` would return. */
  has(key: string): Promise<boolean>;
  /** Deletes keys; resolves to how many existed, or `undefined` if the store failed (retried). */
  delete(...keys: string[]): Promise<number | undefined>;
  /**
   * Deletes keys, pattern matches and tagged values: the one invalidation entry point, which
   * routes use too. Resolves to the number deleted, or `undefined` when the store failed: the
   * invalidation is then retried with backoff until it succeeds, and this process serves
   * nothing it covers meanwhile.
   *
   * @example
   * ```ts
   * await appCache.invalidate({ patterns: ['{username}_posts:*'], params: { username: 'alice' } });
   * await appCache.invalidate({ tags: ['posts:alice'] });
   * ```
   */
  invalidate(options: InvalidateOptions): Promise<number | undefined>;
  /** Deletes every value of this namespace (of the whole store for the root instance). */
  clear(): Promise<void>;
  /** A view whose keys and tags start with `name:`; its `clear()` deletes only those. */
  namespace(name: string): CacheNamespace;
}

const GET_OR_SET_OPTIONS = [
  'ttl',
  'tags',
  'staleWhileRevalidate',
  'grace',
  'loadTimeout',
  'singleFlight',
];

const KNOWN_GET_OR_SET: ReadonlySet<string> = new Set(GET_OR_SET_OPTIONS);

/** Builds the data-layer API over an engine, for keys starting with `prefix`. */
export function createDataApi(engine: CacheEngine, prefix: string): CacheNamespace {
  const { serializer } = engine.options;
  const keyOf = (key: string, option = 'key') => prefix + checkedKey(key, option);
  const tagsOf = (tags: readonly string[] | undefined, option: string) => {
    if (tags === undefined) return [];
    if (!Array.isArray(tags) || tags.some((tag) => typeof tag !== 'string' || tag === '')) {
      throw invalidOption(option, "must be an array of non-empty strings like ['posts:alice']");
    }
    return tags.map((tag) => prefix + tag);
  };
  const durationOf = (option: string, value: unknown, fallback: unknown) =>
    check.duration(option, value, fallback, { allowZero: true });
  const { decodedMemo } = engine;
  const decode = (record: StoredRecord, key: string): { value: unknown } | undefined => {
    try {
      if (decodedMemo)
        return { value: decodedMemo.read(key, record.payload, () => record.payload) };
      return { value: serializer.deserialize(record.payload) };
    } catch (error) {
      engine.store.warnOnce(
        'deserialize',
        { code: 'E_DESERIALIZE', key, err: error },
        'a stored value could not be deserialized; treating it as a miss',
      );
      return undefined;
    }
  };
  const readable = (record: StoredRecord | undefined) =>
    record !== undefined && record.staleUntil > Date.now();

  const api: CacheNamespace = {
    async getOrSet<T>(key: string, loader: () => T | Promise<T>, options: GetOrSetOptions = {}) {
      // Cheap checks on every call; the options' values are read only when the call loads
      // (a miss, a stale entry), so a hit costs no duration parsing.
      check.object(options, 'options', 'an object of getOrSet options');
      // for-in, not Object.keys: no array per call on the hit path.
      for (const name in options) {
        if (!KNOWN_GET_OR_SET.has(name)) check.knownKeys(options, GET_OR_SET_OPTIONS, 'getOrSet');
      }
      if (typeof loader !== 'function') throw invalidOption('loader', 'must be a function');
      const fullKey = keyOf(key);
      let own: { value: T } | undefined;
      const result = await engine.read(fullKey, () => ({
        tags: tagsOf(options.tags, 'tags'),
        lifetimes: {
          freshMs: check.duration('ttl', options.ttl, engine.options.ttlMs / 1000),
          staleMs: durationOf('staleWhileRevalidate', options.staleWhileRevalidate, 0),
          graceMs: durationOf('grace', options.grace, 0),
        },
        background: true,
        shareFailure: true,
        loadTimeoutMs:
          options.loadTimeout === undefined
            ? undefined
            : check.duration('loadTimeout', options.loadTimeout, undefined, { timer: true }),
        lockMs:
          singleFlightOf(options.singleFlight) === 'global'
            ? engine.options.lockTimeoutMs
            : undefined,
        async load() {
          const value = await loader();
          own = { value };
          return value === undefined ? undefined : serializer.serialize(value);
        },
      }));
      if (result.ran && own) return own.value;
      const decoded = result.record && decode(result.record, fullKey);
      if (decoded) return decoded.value as T;
      // A value that did not deserialize: the loader's result, uncached.
      return await loader();
    },

    async get<T>(key: string) {
      const fullKey = keyOf(key);
      const record = await engine.peek(fullKey);
      return readable(record) ? (decode(record!, fullKey)?.value as T | undefined) : undefined;
    },

    async set(key, value, options = {}) {
      check.object(options, 'options', 'an object of set options');
      check.knownKeys(options, ['ttl', 'tags'], 'set');
      const fullKey = keyOf(key);
      const tags = tagsOf(options.tags, 'tags');
      const ttlMs = check.duration('ttl', options.ttl, engine.options.ttlMs / 1000);
      let text: string | undefined;
      try {
        text = value === undefined ? undefined : serializer.serialize(value);
      } catch (error) {
        engine.store.warnOnce(
          'serialize',
          { code: 'E_SERIALIZE', key: fullKey, err: error },
          'a value could not be serialized; not stored',
        );
      }
      if (text === undefined) return false;
      return await engine.write(fullKey, text, tags, { freshMs: ttlMs, staleMs: 0, graceMs: 0 });
    },

    async has(key) {
      return readable(await engine.peek(keyOf(key)));
    },

    delete(...keys) {
      return engine.invalidate({ ...NOTHING, keys: keys.map((key) => keyOf(key)) });
    },

    invalidate({ keys = [], patterns = [], tags = [], params } = {}) {
      const fill = (template: string, option: string, escapeValue?: (value: string) => string) =>
        params ? compileTemplate(template, option).format(params, escapeValue) : template;
      const invalidation: Invalidation = {
        keys: keys.map((key) => keyOf(fill(key, 'keys'), 'keys')),
        patterns: patterns.map(
          (pattern) => escapeGlob(prefix) + fill(pattern, 'patterns', escapeGlob),
        ),
        tags: tagsOf(
          tags.map((tag) => fill(tag, 'tags')),
          'tags',
        ),
        clear: false,
      };
      return engine.invalidate(invalidation);
    },

    async clear() {
      const invalidation =
        prefix === ''
          ? { ...NOTHING, clear: true }
          : { ...NOTHING, patterns: [`${escapeGlob(prefix)}*`] };
      await engine.invalidate(invalidation);
    },

    namespace(name) {
      if (typeof name !== 'string' || name === '' || name.includes('\u0000')) {
        throw invalidOption('name', 'must be a non-empty string without NUL characters');
      }
      return createDataApi(engine, `${prefix}${name}:`);
    },
  };
  return api;
}

/** A key of the data-layer API: a non-empty string without NUL (the store's own separator). */
function checkedKey(key: unknown, option: string): string {
  if (typeof key !== 'string' || key === '' || key.includes('\u0000')) {
    throw invalidOption(option, 'must be a non-empty string without NUL characters', {
      value: key,
    });
  }
  return key;
}
