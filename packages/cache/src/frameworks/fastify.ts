import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { invalidOption } from '../errors.js';
import type { CachedRoute } from '../http/cached-route.js';
import type { CacheRequestInfo, Captured, ReadStep } from '../http/types.js';
import type { CacheInstance } from '../instance.js';
import type { RouteOptions } from '../types.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Caches (GET/HEAD) or invalidates (other methods) this route: `cache(appCache, options)`'s options. */
    cache?: RouteOptions;
  }
}

/** Options of {@link cachePlugin}. */
export interface CachePluginOptions {
  /** The instance made by `createCache()`. Required. */
  cache: CacheInstance;
}

/** What the request's `onSend` does with the handler's payload, or on an abort. */
interface Pending {
  send(reply: FastifyReply, payload: unknown): unknown;
  abort(): void;
}

const PENDING = Symbol('@kit/cache pending');
type WithPending = FastifyRequest & { [PENDING]: Pending | null };

/** Takes the request's pending step, so it runs once. */
function take(request: FastifyRequest): Pending | null {
  const pending = (request as WithPending)[PENDING];
  (request as WithPending)[PENDING] = null;
  return pending;
}

/**
 * Fastify 5 plugin: every route of the instance it is registered on with `config.cache` is
 * cached (GET/HEAD) or invalidates after a 2xx (other methods), with the route options of the
 * other adapters. Register it before the routes (and before `@fastify/compress`, whose stream
 * the cache cannot store); route options are checked as each route is added.
 *
 * @example
 * ```ts
 * import { cachePlugin } from '@kit/cache/fastify';
 *
 * await app.register(cachePlugin, { cache: appCache });
 * app.get('/:username/posts/:id', {
 *   config: { cache: { keyPrefix: '{username}_post_cache', resourceIdName: 'id' } },
 * }, async (request) => getPost(request.params.id));
 * ```
 */
export const cachePlugin: FastifyPluginCallback<CachePluginOptions> = (app, options, done) => {
  const instance = options?.cache;
  if (typeof instance?.route !== 'function') {
    const problem = 'is required: pass { cache: createCache(...) }';
    return done(invalidOption('cache', problem, { value: instance }));
  }
  // One compiled route per route's options object (a HEAD route shares its GET's).
  const routes = new WeakMap<RouteOptions, CachedRoute>();
  const routeOf = (config: RouteOptions): CachedRoute => {
    let route = routes.get(config);
    if (!route) {
      route = instance.route(config);
      routes.set(config, route);
    }
    return route;
  };
  if (!app.hasRequestDecorator(PENDING)) app.decorateRequest(PENDING, null);
  app.addHook('onRoute', ({ config }) => {
    if (config?.cache) routeOf(config.cache);
  });

  app.addHook('preHandler', (request, reply, next) => {
    const config = request.routeOptions.config.cache;
    if (!config) return next();
    const route = routeOf(config);
    const step = route.begin(describe(request));
    if (step.action === 'pass') return next();
    if (step.action === 'invalidate') {
      (request as WithPending)[PENDING] = {
        send: (sent, payload) =>
          route.invalidate(step, sent.statusCode)?.then(() => payload) ?? payload,
        abort() {},
      };
      return next();
    }
    const run = (state: 'MISS' | 'BYPASS') =>
      new Promise<Captured | undefined>((resolve) => {
        (request as WithPending)[PENDING] = {
          send: (sent, payload) => capture(route, step, state, sent, payload, resolve),
          abort: () => resolve(undefined),
        };
        next();
      });
    // A 304's empty body goes as none: an empty string would get a text/plain type.
    void route.read(step, run).then((hit) => {
      if (hit)
        reply
          .code(hit.status)
          .headers(hit.headers)
          .send(hit.body || undefined);
    });
  });

  app.addHook('onSend', (request, reply, payload, next) => {
    const out = take(request)?.send(reply, payload) ?? payload;
    if (out instanceof Promise) void out.then((body) => next(null, body));
    else next(null, out);
  });
  // A request that ends without onSend (aborted, failed) must not keep its flight waiting.
  app.addHook('onResponse', (request, _reply, next) => {
    take(request)?.abort();
    next();
  });
  app.addHook('onRequestAbort', (request, next) => {
    take(request)?.abort();
    next();
  });
  done();
};
// Like fastify-plugin: the hooks reach the routes of the instance that registers the plugin.
Object.assign(cachePlugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@kit/cache',
  [Symbol.for('plugin-meta')]: { fastify: '5.x', name: '@kit/cache' },
});
export default cachePlugin;

function describe(request: FastifyRequest): CacheRequestInfo {
  const url = request.url;
  const query = url.indexOf('?');
  return {
    // A HEAD route drops the body and counts its length itself: read it as its GET.
    method: request.method === 'HEAD' ? 'GET' : request.method,
    params: request.params as Record<string, string | undefined>,
    routePath: request.routeOptions.url,
    search: query === -1 ? '' : url.slice(query + 1),
    query: request.query as Record<string, unknown>,
    headers: request.headers,
  };
}

/** The core's verdict on the handler's serialised payload, applied to the reply. */
function capture(
  route: CachedRoute,
  step: ReadStep,
  state: 'MISS' | 'BYPASS',
  reply: FastifyReply,
  payload: unknown,
  resolve: (captured: Captured | undefined) => void,
): unknown {
  const response = {
    status: reply.statusCode,
    contentType: reply.getHeader('content-type') as string | undefined,
    body: payload,
    setsCookie: reply.hasHeader('set-cookie'),
  };
  const captured = route.capture(step, response, state);
  resolve(captured.entry ? captured : undefined);
  reply.headers(captured.headers);
  if (captured.body) return payload;
  reply.code(captured.status).removeHeader('content-type').removeHeader('content-length');
  return null;
}
