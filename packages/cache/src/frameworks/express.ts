import type { NextFunction, Request, Response } from 'express';
import type { CachedRoute } from '../http/cached-route.js';
import type { CacheRequestInfo, Captured, ReadStep } from '../http/types.js';
import type { CacheInstance } from '../instance.js';
import type { RequestParams, RouteOptions } from '../types.js';

/**
 * The middleware `cache()` returns. Generic, so it takes the route's types instead of fixing
 * them: a handler after it keeps Express's route-parameter inference (`req.params.username` is
 * `string` on `/:username`), where a plain `RequestHandler` would widen it to `string | string[]`.
 */
export type CacheMiddleware = <
  P = Request['params'],
  ResBody = unknown,
  ReqBody = unknown,
  ReqQuery = Request['query'],
  Locals extends Record<string, unknown> = Record<string, unknown>,
>(
  req: Request<P, ResBody, ReqBody, ReqQuery, Locals>,
  res: Response<ResBody, Locals>,
  next: NextFunction,
) => Promise<void>;

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
export function cache(instance: CacheInstance, options: RouteOptions): CacheMiddleware {
  const route = instance.route(options);
  async function cacheMiddleware(req: Request, res: Response, next: NextFunction) {
    let handedOver = false;
    const proceed = () => {
      handedOver = true;
      next();
    };
    try {
      const step = route.begin(describe(req));
      if (step.action === 'pass') return proceed();
      if (step.action === 'invalidate') {
        return holdEnd(res, (status) => route.invalidate(step, status), proceed);
      }
      const reply = await route.read(step, (state) =>
        runCapturing(route, step, res, state, proceed),
      );
      if (reply) res.writeHead(reply.status, reply.headers).end(reply.body);
    } catch (error) {
      // A bug of ours must not cost the request: hand over to the route if we still can.
      route.report(error);
      if (!handedOver && !res.headersSent) proceed();
    }
  }
  // It reads only what every request has, whatever the route's types.
  return cacheMiddleware as CacheMiddleware;
}

function describe(req: Request): CacheRequestInfo {
  const url = req.originalUrl;
  const query = url.indexOf('?');
  const routePath = (req.route as { path?: unknown } | undefined)?.path;
  return {
    method: req.method,
    params: joinWildcards(req.params),
    routePath: typeof routePath === 'string' ? routePath : undefined,
    search: query === -1 ? '' : url.slice(query + 1),
    // Express parses the query on every read of req.query: only when the key needs it.
    get query() {
      return req.query as Record<string, unknown>;
    },
    headers: req.headers,
  };
}

/** Express 5 hands a wildcard parameter as its segments; the handler joins them with `/`. */
function joinWildcards(params: Request['params']): RequestParams {
  for (const name in params) {
    if (typeof params[name] !== 'string') {
      const joined: Record<string, string> = {};
      for (const key in params) {
        const value = params[key] as string | string[];
        joined[key] = typeof value === 'string' ? value : value.join('/');
      }
      return joined;
    }
  }
  return params as RequestParams;
}

/** Runs the handler, and lets the core decorate what it sends with `res.send()`. */
function runCapturing(
  route: CachedRoute,
  step: ReadStep,
  res: Response,
  state: 'MISS' | 'BYPASS',
  proceed: () => void,
): Promise<Captured | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (captured: Captured | undefined) => {
      if (!settled) resolve(captured);
      settled = true;
    };
    const originalSend = res.send;
    res.send = function send(this: Response, body?: unknown) {
      // res.send(object) comes back through res.json() with the serialised string.
      if (typeof body === 'object' && body !== null && !Buffer.isBuffer(body)) {
        return originalSend.call(this, body);
      }
      res.send = originalSend;
      const response = {
        status: res.statusCode,
        contentType: res.get('Content-Type'),
        body,
        setsCookie: res.get('Set-Cookie') !== undefined,
      };
      const captured = route.capture(step, response, state);
      const { entry } = captured;
      if (!entry) {
        settle(undefined);
        return originalSend.call(this, body);
      }
      // res.send() rewrites a string body's type (`; charset=utf-8`) after we have seen it:
      // store the type it sends, so a hit sends the same header as this miss.
      const setHeader = res.setHeader;
      res.setHeader = function recordType(this: Response, name: string, value: unknown) {
        if (name.toLowerCase() === 'content-type') entry.contentType = String(value);
        return setHeader.call(this, name, value as string);
      } as Response['setHeader'];
      try {
        res.set(captured.headers).status(captured.status);
        const sent = originalSend.call(this, body);
        settle(captured);
        return sent;
      } finally {
        res.setHeader = setHeader;
        settle(undefined);
      }
    } as Response['send'];
    // Errors, streams, res.end(): nothing to share, but waiting requests must not hang.
    res.once('finish', () => settle(undefined));
    res.once('close', () => settle(undefined));
    proceed();
  });
}

/** Holds the response's end until invalidation has run, so the next read sees fresh data. */
function holdEnd(
  res: Response,
  invalidate: (status: number) => Promise<void> | undefined,
  proceed: () => void,
): void {
  const originalEnd = res.end;
  res.end = function end(this: Response, ...args: unknown[]) {
    res.end = originalEnd;
    const finish = () => (originalEnd as (...a: unknown[]) => Response).apply(this, args);
    const pending = invalidate(res.statusCode);
    if (!pending) return finish();
    void pending.finally(finish);
    return this;
  } as Response['end'];
  proceed();
}
