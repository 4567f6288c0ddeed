import type { NextFunction, Request, RequestHandler, Response } from 'express';
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
 * Express 5 middleware caching the JSON the route's handler sends with `res.json()`.
 * GET/HEAD read through the cache; other methods run the handler and, when it answered 2xx,
 * invalidate before the response goes out. Options are checked here, at setup.
 *
 * @example
 * ```ts
 * import { cache } from '@kit/cache/express';
 *
 * app.get('/:username/posts/:id', cache(appCache, { keyPrefix: '{username}_post_cache',
 *   resourceIdName: 'id' }), async (req, res) => res.json(await getPost(req.params.id)));
 * app.patch('/:username/posts/:id', cache(appCache, { keyPrefix: '{username}_post_cache',
 *   resourceIdName: 'id', patternToInvalidateExtra: ['{username}_posts:*'] }), updatePost);
 * ```
 */
export function cache(instance: CacheInstance, options: RouteOptions): RequestHandler {
  const route = instance.route(options);
  const namesOf = routePathNames(pathParamNames);
  const routeParamNames = (req: Request): readonly string[] =>
    namesOf((req.route as { path?: unknown } | undefined)?.path);

  return async function cacheMiddleware(req: Request, res: Response, next: NextFunction) {
    let handedOver = false;
    const proceed = () => {
      handedOver = true;
      next();
    };
    try {
      const { params, path } = requestParams(req, routeParamNames(req));
      if (!isReadMethod(req.method)) {
        invalidateAfterSuccess(route, route.plan(params, path), res, proceed);
        return;
      }
      if (route.kind === 'write') {
        route.reportMisuse(req.method);
        return proceed();
      }
      let key: string;
      try {
        key = route.key(params, path);
      } catch (error) {
        route.report(error);
        return proceed();
      }
      const credentials = Boolean(req.headers.authorization || req.headers.cookie);
      const outcome = await route.read(
        key,
        (state) => runCapturing(route, req, res, state, credentials, proceed),
        false,
      );
      if (!outcome.ran && outcome.entry)
        sendEntry(route, req, res, outcome.entry, outcome.state, credentials);
    } catch (error) {
      // A bug of ours must not cost the request: hand over to the route if we still can.
      route.report(error);
      if (!handedOver && !res.headersSent) proceed();
    }
  };
}

/** The parameter names of an Express 5 route path: `/:user/posts{/:page}` -> user, page. */
function pathParamNames(path: string): string[] {
  return [...path.matchAll(/[:*](?:"((?:[^"\\]|\\.)*)"|([\p{ID_Continue}$]+))/gu)].map(
    (match) => match[1] ?? match[2]!,
  );
}

/**
 * Path and query parameters (path wins on a clash), and the path parameters alone, from
 * which the resource id is inferred. A query parameter with several values (`?page=1&page=2`)
 * or a structured one (`?page[a]=1` with the extended parser) is kept as an array: Express
 * hands the handler that array, so no single value may key the response. A query parameter
 * named like a path parameter the request left out (`/posts{/:page}`, `/posts?page=2`) is
 * ignored: the handler reads the path, so the query value must not key its response.
 */
function requestParams(
  req: Request,
  pathNames: readonly string[],
): { params: RequestParams; path: RequestParams } {
  const path: Record<string, RequestParamValue> = {};
  const routeParams = req.params as Record<string, unknown>;
  for (const name in routeParams) {
    const value = routeParams[name];
    // Express 5 wildcard parameters are arrays of path segments.
    path[name] = Array.isArray(value) ? value.join('/') : (value as string | undefined);
  }
  const params: Record<string, RequestParamValue> = { ...path };
  const query = req.query as Record<string, unknown>;
  for (const name in query) {
    const value = query[name];
    if (params[name] !== undefined || value === undefined || pathNames.includes(name)) continue;
    params[name] =
      typeof value === 'string'
        ? value
        : Array.isArray(value)
          ? value.filter((item): item is string => typeof item === 'string')
          : [];
  }
  return { params, path };
}

function runCapturing(
  route: CacheRoute,
  req: Request,
  res: Response,
  state: 'MISS' | 'BYPASS',
  credentials: boolean,
  proceed: () => void,
): Promise<CachedEntry | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (entry: CachedEntry | undefined) => {
      if (settled) return;
      settled = true;
      resolve(entry);
    };
    const originalSend = res.send;
    res.send = function send(this: Response, body?: unknown) {
      // res.send(object) comes back through res.json() with the serialised string.
      if (typeof body === 'object' && body !== null && !Buffer.isBuffer(body)) {
        return originalSend.call(this, body);
      }
      res.send = originalSend;
      const entry = route.capture(
        res.statusCode,
        res.get('Content-Type'),
        body,
        res.get('Set-Cookie') !== undefined,
      );
      if (!entry) {
        settle(undefined);
        return originalSend.call(this, body);
      }
      // res.send() rewrites a string body's type (`; charset=utf-8`) after we have seen it, and
      // drops it on a 304: store the type it sets, so a hit sends the same header as this miss.
      const setHeader = res.setHeader;
      res.setHeader = function recordType(this: Response, name: string, value: unknown) {
        if (name.toLowerCase() === 'content-type') entry.contentType = String(value);
        return setHeader.call(this, name, value as string);
      } as Response['setHeader'];
      let sent: Response;
      try {
        res.set(route.headers(entry, state, credentials));
        if (matchesIfNoneMatch(req.headers['if-none-match'], entry.etag)) res.status(304);
        sent = originalSend.call(this, body);
      } catch (error) {
        settle(undefined);
        throw error;
      } finally {
        res.setHeader = setHeader;
      }
      settle(entry);
      return sent;
    } as Response['send'];
    // Errors, streams, res.end(): nothing to share, but waiting requests must not hang.
    res.once('finish', () => settle(undefined));
    res.once('close', () => settle(undefined));
    proceed();
  });
}

function sendEntry(
  route: CacheRoute,
  req: Request,
  res: Response,
  entry: CachedEntry,
  state: CacheState,
  credentials: boolean,
): void {
  const headers = route.headers(entry, state, credentials);
  if (matchesIfNoneMatch(req.headers['if-none-match'], entry.etag)) {
    delete headers['content-type'];
    res.writeHead(304, headers).end();
    return;
  }
  headers['content-length'] = String(Buffer.byteLength(entry.body));
  res.writeHead(entry.status, headers);
  res.end(req.method === 'HEAD' ? undefined : entry.body);
}

/** Holds the response's end until invalidation has run, so the next read sees fresh data. */
function invalidateAfterSuccess(
  route: CacheRoute,
  plan: ReturnType<CacheRoute['plan']>,
  res: Response,
  proceed: () => void,
): void {
  const originalEnd = res.end;
  res.end = function end(this: Response, ...args: unknown[]) {
    res.end = originalEnd;
    const end = () => (originalEnd as (...a: unknown[]) => Response).apply(this, args);
    if (res.statusCode < 200 || res.statusCode >= 300) return end();
    void route.invalidate(plan).finally(end);
    return this;
  } as Response['end'];
  proceed();
}
