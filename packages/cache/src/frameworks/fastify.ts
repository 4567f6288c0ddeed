import type {
  FastifyPluginCallback,
  FastifyReply,
  FastifyRequest,
  onSendHookHandler,
  preHandlerHookHandler,
} from 'fastify';
import { invalidOption } from '../errors.js';
import type { CachedRoute } from '../http/cached-route.js';
import type { CacheRequestInfo, Captured, InvalidateStep, ReadStep } from '../http/types.js';
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

/** A read whose handler is running, or a write waiting for its response. */
type Pending =
  | { route: CachedRoute; step: ReadStep; state: 'MISS' | 'BYPASS'; done(c?: Captured): void }
  | { route: CachedRoute; step: InvalidateStep };

const PENDING = Symbol('@kit/cache pending');
type WithPending = FastifyRequest & { [PENDING]: Pending | null };

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
  app.addHook('onRoute', ({ config }) => {
    if (config?.cache) routeOf(config.cache);
  });
  if (!app.hasRequestDecorator(PENDING)) app.decorateRequest(PENDING, null);

  const preHandler: preHandlerHookHandler = (request, reply, next) => {
    const config = request.routeOptions.config.cache;
    if (!config) return next();
    const route = routeOf(config);
    const step = route.begin(describe(request));
    if (step.action === 'pass') return next();
    if (step.action === 'invalidate') {
      (request as WithPending)[PENDING] = { route, step };
      return next();
    }
    route
      .read(step, (state) => runHandler(request as WithPending, route, step, state, next))
      // A 304's empty body goes as none: an empty string would get a text/plain type.
      .then(
        (hit) =>
          hit &&
          reply
            .code(hit.status)
            .headers(hit.headers)
            .send(hit.body || undefined),
      )
      .catch((error: unknown) => reply.send(error));
  };

  const onSend: onSendHookHandler = (request, reply, payload, next) => {
    const pending = (request as WithPending)[PENDING];
    if (!pending) return next(null, payload);
    (request as WithPending)[PENDING] = null;
    if ('done' in pending) return next(null, capture(pending, reply, payload));
    const invalidating = pending.route.invalidate(pending.step, reply.statusCode);
    if (!invalidating) return next(null, payload);
    void invalidating.then(() => next(null, payload));
  };

  // A request that ends without onSend (aborted, failed) must not keep its flight waiting.
  const settle = (request: FastifyRequest) => {
    const pending = (request as WithPending)[PENDING];
    if (pending && 'done' in pending) pending.done();
  };
  app.addHook('preHandler', preHandler);
  app.addHook('onSend', onSend);
  app.addHook('onResponse', (request, _reply, next) => {
    settle(request);
    next();
  });
  app.addHook('onRequestAbort', (request, next) => {
    settle(request);
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

function runHandler(
  request: WithPending,
  route: CachedRoute,
  step: ReadStep,
  state: 'MISS' | 'BYPASS',
  next: () => void,
): Promise<Captured | undefined> {
  return new Promise((resolve) => {
    const done = (captured?: Captured) => {
      request[PENDING] = null;
      resolve(captured);
    };
    request[PENDING] = { route, step, state, done };
    next();
  });
}

/** The core's verdict on the handler's serialised payload, applied to the reply. */
function capture(
  pending: Extract<Pending, { done: unknown }>,
  reply: FastifyReply,
  payload: unknown,
): unknown {
  const response = {
    status: reply.statusCode,
    contentType: reply.getHeader('content-type') as string | undefined,
    body: payload,
    setsCookie: reply.hasHeader('set-cookie'),
  };
  const captured = pending.route.capture(pending.step, response, pending.state);
  reply.headers(captured.headers);
  pending.done(captured.entry ? captured : undefined);
  if (captured.body) return payload;
  reply.code(captured.status).removeHeader('content-type').removeHeader('content-length');
  return null;
}
