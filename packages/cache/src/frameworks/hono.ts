import { addWhenWritten, honoNodeRequest, honoNodeResponse } from '@kit/internal';
import type { Context, MiddlewareHandler } from 'hono';
import type { CachedRoute } from '../http/cached-route.js';
import type { CacheRequestInfo, Captured, ReadStep } from '../http/types.js';
import type { CacheInstance } from '../instance.js';
import type { RouteOptions } from '../types.js';

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
  return async function cacheMiddleware(c, next) {
    const step = route.begin(new HonoRequest(c));
    if (step.action === 'pass') return await next();
    if (step.action === 'invalidate') {
      await next();
      await route.invalidate(step, c.res.status);
      return;
    }
    const reply = await route.read(step, async (state) => {
      await next();
      return await capture(route, step, c, state);
    });
    // Through c.body(), so headers outer middleware set with c.header() go out on a hit too.
    if (!reply) return;
    const { status, headers, body } = reply;
    const outgoing = honoNodeResponse(c.env);
    if (outgoing) {
      // @hono/node-server: the cache's headers join its one writeHead(), and the response
      // carries only its type, which keeps the server's fast path for plain responses.
      const type = headers['content-type'];
      addWhenWritten(outgoing, headers);
      if (body) return c.body(body, status as 200, type ? { 'content-type': type } : undefined);
      return c.body(null, status as 304);
    }
    if (body) return c.body(body, status as 200, headers);
    return c.body(null, status as 304, headers);
  };
}

/**
 * A Hono request as the core reads it: a class, so its lazy fields cost no closures per
 * request. On @hono/node-server the Node request's raw URL and header object are read: the
 * Fetch Request would build a full URL and a `Headers` object the first time.
 */
class HonoRequest implements CacheRequestInfo {
  readonly method: string;
  readonly params: Record<string, string | undefined>;
  readonly search: string;
  readonly headers: CacheRequestInfo['headers'];
  readonly #c: Context;

  constructor(c: Context) {
    this.#c = c;
    this.method = c.req.method;
    this.params = c.req.param() as Record<string, string | undefined>;
    const incoming = honoNodeRequest(c.env);
    const url = incoming?.url ?? c.req.url;
    const query = url.indexOf('?');
    this.search = query === -1 ? '' : url.slice(query + 1);
    this.headers = incoming ? incoming.headers : c.req.raw.headers;
  }

  /**
   * Every matched pattern, the handler's included: mounted with app.use(), the middleware sees
   * only its own pattern's parameters, and a query value must not stand in for the handler's
   * (`app.use('/posts/*', cache())` with `/posts/5?id=6`).
   */
  get routePath(): string {
    return this.#c.req.matchedRoutes.map((route) => route.path).join(' ');
  }

  /**
   * Only the names the key needs, each as the handler reads it (`c.req.query(name)`, the
   * first value; the core itself sees a repeated one): queries() would parse every name.
   */
  get query(): Record<string, unknown> {
    const lookup = (_: object, name: string | symbol) =>
      typeof name === 'string' ? this.#c.req.query(name) : undefined;
    return new Proxy({}, { get: lookup });
  }
}

/** Reads the handler's response (unless streamed) and replaces it with what the core says. */
async function capture(
  route: CachedRoute,
  step: ReadStep,
  c: Context,
  state: 'MISS' | 'BYPASS',
): Promise<Captured | undefined> {
  const res = c.res;
  const stale = route.graceReply(step, res.status);
  if (stale) {
    c.res = new Response(stale.body || null, { status: stale.status, headers: stale.headers });
    return undefined;
  }
  const type = res.headers.get('content-type');
  // `streamText()` declares itself chunked: a stream must reach the client untouched.
  if (c.error || !route.wants(res.status, type, res.headers.has('transfer-encoding'))) {
    return undefined;
  }
  const body = await res.text();
  const header = (name: string) => res.headers.get(name);
  const captured = route.capture(step, { status: res.status, body, header }, state);
  c.res = new Response(captured.body ? body : null, {
    status: captured.status,
    headers: res.headers,
  });
  for (const name in captured.headers) c.res.headers.set(name, captured.headers[name]!);
  if (!captured.body) {
    c.res.headers.delete('content-type');
    c.res.headers.delete('content-length');
  }
  return captured.entry ? captured : undefined;
}
