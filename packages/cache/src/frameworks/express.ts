import type { NextFunction, Request, Response } from 'express';
import type { CachedRoute } from '../http/cached-route.js';
import type { CacheRequestInfo, Captured, ReadStep } from '../http/types.js';
import type { CacheInstance } from '../instance.js';
import type { RequestParams, RouteOptions } from '../types.js';
import { beforeEnd, storeAtFinish } from './express-response.js';

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
        beforeEnd(res, (body) => ({ body, wait: route.invalidate(step, res.statusCode) }));
        return proceed();
      }
      const reply = await route.read(step, (state) => runHandler(route, step, res, state, proceed));
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
  const params = req.params as Record<string, string | string[]>;
  return {
    method: req.method,
    params: Object.values(params).some(Array.isArray)
      ? Object.fromEntries(Object.entries(params).map(([k, v]) => [k, wildcard(v)]))
      : (params as RequestParams),
    // An array route (`['/pages', '/pages/:page']`) binds the names of all its paths.
    routePath: Array.isArray(routePath) ? routePath.join(' ') : (routePath as string | undefined),
    search: query === -1 ? '' : url.slice(query + 1),
    // Express parses the query on every read of req.query: only when the key needs it.
    get query() {
      return req.query as Record<string, unknown>;
    },
    headers: req.headers,
  };
}

/**
 * Express 5 hands a wildcard as its segments: one string that keeps them apart, so `/a%2Fb`
 * (`['a/b']`) and `/a/b` (`['a', 'b']`) never share a key.
 */
function wildcard(value: string | string[]): string {
  if (typeof value === 'string') return value;
  return value.map((segment) => segment.replaceAll('%', '%25').replaceAll('/', '%2F')).join('/');
}

/** Runs the handler; the core judges what it sends, once Express has set its headers. */
function runHandler(
  route: CachedRoute,
  step: ReadStep,
  res: Response,
  state: 'MISS' | 'BYPASS',
  proceed: () => void,
): Promise<Captured | undefined> {
  return new Promise((resolve) => {
    beforeEnd(res, (body, encoding) => {
      // Headers already sent: the body was streamed with res.write(), this is its last part.
      if (res.headersSent) {
        resolve(undefined);
        return { body };
      }
      const stale = route.graceReply(step, res.statusCode);
      if (stale) {
        res.status(stale.status).set(stale.headers);
        resolve(undefined);
        return { body: stale.body };
      }
      const response = { status: res.statusCode, body, encoding, header: res.get.bind(res) };
      const captured = route.capture(step, response, state);
      res.set(captured.headers).status(captured.status);
      if (!captured.entry) resolve(undefined);
      else storeAtFinish(res, captured, resolve);
      if (captured.body) return { body };
      res.removeHeader('Content-Type');
      res.removeHeader('Content-Length');
      return { body: undefined };
    });
    // A response that never ends (the client left) must not keep waiting requests waiting.
    res.once('close', () => resolve(undefined));
    proceed();
  });
}
