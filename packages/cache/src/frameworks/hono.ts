import type { Context, MiddlewareHandler } from 'hono';
import { matchesIfNoneMatch } from '../entry.js';
import type { CacheInstance } from '../instance.js';
import { type CacheRoute, isReadMethod } from '../route.js';
import { routePathNames } from '../route-path-names.js';
import type {
  CachedEntry,
  CacheState,
  RequestParams,
  RequestParamValue,
  RouteOptions,
} from '../types.js';

/**
 * Hono 4 middleware caching the JSON the route's handler returns with `c.json()`.
 * GET/HEAD read through the cache; other methods run the handler and, when it answered 2xx,
 * invalidate before the response is returned. Options are checked here, at setup.
 *
 * @example
 * ```ts
 * import { cache } from '@kit/cache/hono';
 *
 * app.get('/:username/posts/:id', cache(appCache, { keyPrefix: '{username}_post_cache',
 *   resourceIdName: 'id' }), async (c) => c.json(await getPost(c.req.param('id'))));
 * ```
 */
export function cache(instance: CacheInstance, options: RouteOptions): MiddlewareHandler {
  const route = instance.route(options);
  const namesOf = routePathNames(pathParamNames);
  const routeParamNames = (c: Context): readonly string[] => namesOf(c.req.routePath);

  return async function cacheMiddleware(c, next) {
    const method = c.req.method;
    const path = c.req.param() as Record<string, string | undefined>;
    const params = requestParams(c, path, routeParamNames);
    if (!isReadMethod(method)) {
      const plan = route.plan(params, path);
      await next();
      if (c.res.status >= 200 && c.res.status < 300) await route.invalidate(plan);
      return;
    }
    if (route.kind === 'write') {
      route.reportMisuse(method);
      return await next();
    }
    let key: string;
    try {
      key = route.key(params, path);
    } catch (error) {
      route.report(error);
      return await next();
    }
    const credentials = Boolean(c.req.header('authorization') || c.req.header('cookie'));
    const outcome = await route.read(
      key,
      async (state) => {
        await next();
        return await captureResponse(route, c, state, credentials);
      },
      false,
    );
    if (outcome.ran || !outcome.entry) return;
    return entryResponse(route, c, outcome.entry, outcome.state, credentials);
  };
}

/** The parameter names of a Hono route path: `/:user/posts/:page{[0-9]+}?` -> user, page. */
function pathParamNames(path: string): string[] {
  return [...path.matchAll(/:([^/{}?]+)/g)].map((match) => match[1]!);
}

/**
 * Path and query parameters, path winning on a clash. A repeated query parameter is kept as
 * the array of its values: `c.req.query()` would give the handler the first, a validator the
 * array, so no single value may key the response. A query parameter named like a path
 * parameter the request left out (`/pages/:page?`, `/pages?page=2`) is ignored: the handler
 * reads the path, so the query value must not key its response.
 */
function requestParams(
  c: Context,
  path: Record<string, string | undefined>,
  routeParamNames: (c: Context) => readonly string[],
): RequestParams {
  const params: Record<string, RequestParamValue> = {};
  const queries = c.req.queries();
  // Only looked up when there is a query: reading the route path allocates.
  let pathNames: readonly string[] | undefined;
  for (const name in queries) {
    pathNames ??= routeParamNames(c);
    if (pathNames.includes(name)) continue;
    const values = queries[name]!;
    params[name] = values.length === 1 ? values[0] : values;
  }
  return Object.assign(params, path);
}

/**
 * Text bodies only: a stream (SSE, files, `streamText()`, which declares itself chunked) must
 * reach the client untouched; reading it to the end could wait forever.
 */
function isTextual(type: string | null, headers: Headers): type is string {
  return (
    type !== null &&
    (type.includes('json') || (type.startsWith('text/') && !type.includes('event-stream'))) &&
    !headers.has('transfer-encoding')
  );
}

async function captureResponse(
  route: CacheRoute,
  c: Context,
  state: 'MISS' | 'BYPASS',
  credentials: boolean,
): Promise<CachedEntry | undefined> {
  const res = c.res;
  const type = res.headers.get('content-type');
  if (c.error || res.status < 200 || res.status >= 300 || !isTextual(type, res.headers)) {
    return undefined;
  }
  const body = await res.text();
  const entry = route.capture(res.status, type, body, res.headers.has('set-cookie'));
  const notModified = entry && matchesIfNoneMatch(c.req.header('if-none-match'), entry.etag);
  c.res = new Response(notModified ? null : body, {
    status: notModified ? 304 : res.status,
    headers: res.headers,
  });
  if (!entry) return undefined;
  for (const [name, value] of Object.entries(route.headers(entry, state, credentials))) {
    c.res.headers.set(name, value);
  }
  if (notModified) {
    c.res.headers.delete('content-type');
    c.res.headers.delete('content-length');
  }
  return entry;
}

function entryResponse(
  route: CacheRoute,
  c: Context,
  entry: CachedEntry,
  state: CacheState,
  credentials: boolean,
): Response {
  const headers = route.headers(entry, state, credentials);
  if (matchesIfNoneMatch(c.req.header('if-none-match'), entry.etag)) {
    delete headers['content-type'];
    return new Response(null, { status: 304, headers });
  }
  return new Response(entry.body, { status: entry.status, headers });
}
