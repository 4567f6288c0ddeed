import { CacheEngine } from './engine.js';
import { matchesIfNoneMatch } from './entry.js';
import { escapeGlob } from './glob.js';
import { compileTemplate } from './key-template.js';
import { resolveCacheOptions } from './options.js';
import { CacheRoute, isReadMethod } from './route.js';
import type { CacheOptions, CacheState, RequestParams, RouteOptions } from './types.js';

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

/** What {@link CacheInstance.invalidate} deletes. */
export interface InvalidateOptions {
  /** Exact keys, or key templates when `params` is given. */
  keys?: readonly string[];
  /** Redis glob patterns, or pattern templates when `params` is given (values are escaped). */
  patterns?: readonly string[];
  /** Fills `{name}` placeholders in `keys` and `patterns`. */
  params?: RequestParams;
}

/** A cache bound to one store. Create it once per app with {@link createCache}. */
export interface CacheInstance {
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
  /** Compiles route options once (used by the framework adapters). Throws on bad options. */
  route(options: RouteOptions): CacheRoute;
  /**
   * Deletes keys and pattern matches outside a wrapped route, e.g. from a background job.
   * Resolves to the number of keys deleted, or `undefined` if the store failed (logged).
   *
   * @example
   * ```ts
   * await appCache.invalidate({ patterns: ['{username}_posts:*'], params: { username: 'alice' } });
   * ```
   */
  invalidate(options: InvalidateOptions): Promise<number | undefined>;
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
  const engine = new CacheEngine(resolveCacheOptions(options));

  return {
    route: (routeOptions) => new CacheRoute(engine, routeOptions),
    invalidate({ keys = [], patterns = [], params }) {
      const fill = (template: string, escapeValue?: (value: string) => string) =>
        params ? compileTemplate(template, 'invalidate').format(params, escapeValue) : template;
      return engine.invalidate(
        keys.map((key) => fill(key)),
        patterns.map((pattern) => fill(pattern, escapeGlob)),
      );
    },
    cache(routeOptions, handler) {
      const route = new CacheRoute(engine, routeOptions);
      const run = async (request: CacheRequest) => JSON.stringify(await handler(request)) ?? 'null';
      const uncached = async (request: CacheRequest): Promise<CacheResponse> => ({
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: await run(request),
        state: undefined,
      });

      return async function cached(request) {
        const method = request.method === undefined ? 'GET' : request.method.toUpperCase();
        if (!isReadMethod(method)) {
          const plan = route.plan(request.params);
          const response = await uncached(request);
          await route.invalidate(plan);
          return response;
        }
        if (route.kind === 'write') {
          route.reportMisuse(method);
          return await uncached(request);
        }
        let key: string;
        try {
          key = route.key(request.params);
        } catch (error) {
          route.report(error);
          return await uncached(request);
        }
        let fallback: string | undefined;
        const outcome = await route.read(
          key,
          async () => {
            fallback = await run(request);
            return route.capture(200, 'application/json', fallback, false);
          },
          true,
        );
        const { entry } = outcome;
        if (!entry) {
          return {
            status: 200,
            headers: { 'content-type': 'application/json' },
            body: fallback ?? 'null',
            state: undefined,
          };
        }
        const headers = request.headers ?? {};
        const credentials = Boolean(headers.authorization || headers.cookie);
        const notModified = matchesIfNoneMatch(headers['if-none-match'], entry.etag);
        return {
          status: notModified ? 304 : entry.status,
          headers: route.headers(entry, outcome.state, credentials),
          body: notModified || method === 'HEAD' ? '' : entry.body,
          state: outcome.state,
        };
      };
    },
  };
}
