import { type CacheNamespace, createDataApi } from './data-api.js';
import { CacheEngine } from './engine.js';
import { CachedRoute } from './http/cached-route.js';
import type { Captured } from './http/types.js';
import { createLayeredStore, type LayeredStore } from './layered-store.js';
import { type ResolvedCacheOptions, resolveCacheOptions } from './options.js';
import { decodeRecord, recordTags, storeTtlMs } from './record.js';
import type { BusMessage, CacheOptions, CacheState, RequestParams, RouteOptions } from './types.js';

/** A request as the framework-agnostic wrapper sees it. */
export interface CacheRequest {
  /** @default 'GET' */
  method?: string;
  /**
   * Path and query parameters, merged; a repeated query parameter as the array of its values
   * (a read needing it in its key is then served uncached).
   */
  params: RequestParams;
  /** Request headers, lower-case names; only `authorization`, `cookie`, `if-none-match` are read. */
  headers?: Readonly<Record<string, string | undefined>>;
}

/** What the wrapper returns: ready to be written to any HTTP response. */
export interface CacheResponse {
  status: number;
  headers: Record<string, string>;
  /** The JSON text; empty for 304 and HEAD. */
  body: string;
  /** How a read was served; `undefined` for writes and uncached requests. */
  state: CacheState | undefined;
}

/**
 * A cache bound to one store. Create it once per app with {@link createCache}: the data-layer
 * API ({@link CacheNamespace}), plus the handler cache (`cache()`, `route()`) the framework
 * adapters use.
 */
export interface CacheInstance extends CacheNamespace {
  /**
   * Wraps a handler returning a JSON-serialisable value, framework-free: GET/HEAD read
   * through the cache, other methods run the handler then invalidate.
   *
   * @example
   * ```ts
   * const getPost = appCache.cache({ keyPrefix: '{username}_post_cache', resourceIdName: 'id' },
   *   ({ params }) => db.post(params.id));
   * const response = await getPost({ method: 'GET', params: { username: 'alice', id: '5' } });
   * ```
   */
  cache(
    options: RouteOptions,
    handler: (request: CacheRequest) => unknown,
  ): (request: CacheRequest) => Promise<CacheResponse>;
  /**
   * The request core of one route, compiled once (options are checked here and throw
   * `E_INVALID_OPTION`): what the Express, Hono and Fastify adapters call, and what an adapter
   * for another framework would call. See {@link CachedRoute}.
   */
  route(options: RouteOptions): CachedRoute;
  /**
   * Stops what the instance started: the bus subscription and the retry timer of failed
   * invalidations (still pending ones are dropped). The store's client stays the app's.
   */
  close(): Promise<void>;
}

/**
 * Creates a cache over a store. Options are checked here; a bad one throws
 * `CacheError` with code `E_INVALID_OPTION` naming it.
 *
 * @example
 * ```ts
 * import { createCache } from '@kit/cache';
 * import { redisStore } from '@kit/cache/redis';
 *
 * const appCache = createCache({ store: redisStore({ client: redis }), clientMaxAge: 60 });
 * ```
 */
export function createCache(options: CacheOptions): CacheInstance {
  const resolved = resolveCacheOptions(options);
  let engine: CacheEngine | undefined;
  const layers = resolved.l1 && layeredStoreOf(resolved, (message) => engine?.cancel(message));
  engine = new CacheEngine(layers ? { ...resolved, store: layers } : resolved);
  layers?.start().catch((error: unknown) => {
    resolved.logger.warn(
      { code: 'E_STORE_UNAVAILABLE', err: error },
      'the cache bus did not start; l1 entries live at most l1Ttl until it does',
    );
  });
  const core = engine;

  return {
    ...createDataApi(core, ''),
    route: (routeOptions) => new CachedRoute(core, routeOptions),
    async close() {
      core.pending.close();
      await layers?.close();
    },
    cache(routeOptions, handler) {
      const route = new CachedRoute(core, routeOptions);
      const run = async (request: CacheRequest) => JSON.stringify(await handler(request)) ?? 'null';
      const json = { 'content-type': 'application/json' };

      return async function cached(request) {
        const method = request.method === undefined ? 'GET' : request.method.toUpperCase();
        const step = route.begin({
          method,
          params: request.params,
          headers: request.headers ?? {},
        });
        if (step.action !== 'read') {
          const body = await run(request);
          if (step.action === 'invalidate') await route.invalidate(step, 200);
          return { status: 200, headers: json, body, state: undefined };
        }
        let own: { body: string; captured: Captured; state: CacheState } | undefined;
        const reply = await route.read(
          step,
          async (state) => {
            const body = await run(request);
            const header = (name: string) => (name === 'content-type' ? json[name] : undefined);
            const captured = route.capture(step, { status: 200, body, header }, state);
            own = { body, captured, state };
            return captured;
          },
          true,
        );
        if (reply) return reply;
        const { body, captured, state } = own!;
        if (!captured.entry) return { status: 200, headers: json, body, state: undefined };
        return {
          status: captured.status,
          headers: { ...json, ...captured.headers },
          body: captured.body && !step.head ? body : '',
          state,
        };
      };
    },
  };
}

/** The two levels `l1` and `bus` ask for, over the instance's store. */
function layeredStoreOf(
  options: ResolvedCacheOptions,
  onRemote: (message: Required<BusMessage>) => void,
): LayeredStore {
  const record = (value: string) => decodeRecord(value);
  return createLayeredStore({
    l1: options.l1!,
    l2: options.store,
    bus: options.bus,
    l1TtlMs: options.l1TtlMs,
    logger: options.logger,
    lifetimeOf: (value) => {
      const decoded = record(value);
      return decoded && storeTtlMs(decoded);
    },
    tagsOf: (value) => {
      const decoded = record(value);
      return decoded && recordTags(decoded);
    },
    onRemoteInvalidation: ({ keys = [], patterns = [], tags = [], clear = false }) =>
      onRemote({ keys, patterns, tags, clear }),
  });
}
