import type {
  FastifyPluginCallback,
  FastifyReply,
  FastifyRequest,
  preHandlerHookHandler,
} from 'fastify';
import { invalidOption } from '../errors.js';
import type { CachedRoute } from '../http/cached-route.js';
import { LATE_SPOILERS } from '../http/headers.js';
import type { CacheRequestInfo, Captured, ReadStep } from '../http/types.js';
import type { CacheInstance } from '../instance.js';
import type { RouteOptions } from '../types.js';

/**
 * A route's `config.cache`: the options of `cache(appCache, options)`. (A name of its own: inside
 * `declare module 'fastify'`, `RouteOptions` would mean Fastify's once another plugin, such as
 * `@fastify/compress`, adds to Fastify's `RouteOptions`.)
 */
export type FastifyRouteCache = RouteOptions;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Caches (GET/HEAD) or invalidates (other methods) this route: `cache(appCache, options)`'s options. */
    cache?: FastifyRouteCache;
  }
}

/** Options of {@link cachePlugin}. */
export interface CachePluginOptions {
  /** The instance made by `createCache()`. Required. */
  cache: CacheInstance;
}

/**
 * A request's pending step: `capture` runs in the plugin's own onSend, before hooks that shape
 * the payload (compression); `settle` in the route's last onSend, after every hook; `abort`
 * when the response ends without it (aborted, hijacked).
 */
interface Pending {
  capture?(reply: FastifyReply, payload: unknown): unknown;
  settle(reply: FastifyReply, payload: unknown): unknown;
  abort(reply: FastifyReply | undefined): void;
}

const PENDING = Symbol('@kit/cache pending');
type WithPending = FastifyRequest & { [PENDING]: Pending | null };

/** Takes the request's pending step, so it settles once. */
function take(request: FastifyRequest): Pending | null {
  const pending = (request as WithPending)[PENDING];
  (request as WithPending)[PENDING] = null;
  return pending;
}

/** Hands the payload on, once `out` (a payload or a promise of one) is ready. */
function pass(out: unknown, next: (error: null, payload: unknown) => void): void {
  if (out instanceof Promise) void out.then((payload) => next(null, payload));
  else next(null, out);
}

/**
 * Fastify 5 plugin: every route of the instance it is registered on with `config.cache` is
 * cached (GET/HEAD) or invalidates after a 2xx or 3xx (other methods), with the route options
 * of the other adapters. Register it (awaited) before the routes, and before plugins whose
 * onSend hooks reshape payloads (compression, envelopes); route options are checked as each
 * route is added. The cache reads after every preHandler hook, so authentication runs first.
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
  if (!app.hasRequestDecorator(PENDING)) app.decorateRequest(PENDING, null);
  app.addHook('onRoute', (routeOptions) => {
    const config = routeOptions.config?.cache;
    if (!config) return;
    const route = instance.route(config);
    // Last of the route's hooks: after authentication (preHandler), after payload hooks (onSend).
    routeOptions.preHandler = [...[routeOptions.preHandler ?? []].flat(), read(route)];
    routeOptions.onSend = [
      ...[routeOptions.onSend ?? []].flat(),
      (request, reply, payload, next) =>
        pass(take(request)?.settle(reply, payload) ?? payload, next),
    ];
  });
  app.addHook('onSend', (request, reply, payload, next) => {
    const pending = (request as WithPending)[PENDING];
    next(null, pending?.capture ? pending.capture(reply, payload) : payload);
  });
  app.addHook('onResponse', (request, reply, next) => {
    take(request)?.abort(reply);
    next();
  });
  app.addHook('onRequestAbort', (request, next) => {
    take(request)?.abort(undefined);
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

/** The route's reading preHandler: a hit is sent from here; a miss runs the handler. */
function read(route: CachedRoute): preHandlerHookHandler {
  return (request, reply, next) => {
    const step = route.begin(describe(request));
    const state = request as WithPending;
    if (step.action === 'pass') return next();
    if (step.action === 'invalidate') {
      const invalidate = (sent: FastifyReply) => route.invalidate(step, sent.statusCode);
      state[PENDING] = {
        settle: (sent, payload) => invalidate(sent)?.then(() => payload) ?? payload,
        // Hijacked: the reply went out without onSend; invalidate all the same.
        abort: (sent) => void (sent && invalidate(sent)),
      };
      return next();
    }
    const run = (phase: 'MISS' | 'BYPASS') =>
      new Promise<Captured | undefined>((resolve) => {
        // A HEAD route's payload is its own (an explicit handler's, or none): never stored.
        if (request.method === 'HEAD') resolve(undefined);
        else state[PENDING] = missOf(route, step, phase, resolve);
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
  };
}

/** The pending step of a miss: judged before payload hooks, stored once every hook has run. */
function missOf(
  route: CachedRoute,
  step: ReadStep,
  state: 'MISS' | 'BYPASS',
  resolve: (captured: Captured | undefined) => void,
): Pending {
  let captured: Captured | undefined;
  return {
    capture(reply, payload) {
      const stale = route.graceReply(step, reply.statusCode);
      if (stale) {
        reply.code(stale.status).headers(stale.headers);
        return stale.body;
      }
      const header = (name: string) => reply.getHeader(name);
      captured = route.capture(step, { status: reply.statusCode, body: payload, header }, state);
      reply.headers(captured.headers);
      if (captured.body) return payload;
      reply.code(captured.status).removeHeader('content-type').removeHeader('content-length');
      return null;
    },
    settle(reply, payload) {
      // A later hook set a cookie (a session plugin): not stored, and not marked cacheable.
      if (captured?.entry && LATE_SPOILERS.some((name) => reply.hasHeader(name))) {
        for (const name in captured.headers) reply.removeHeader(name);
        captured = undefined;
      }
      resolve(captured?.entry ? captured : undefined);
      return payload;
    },
    abort: () => resolve(undefined),
  };
}

function describe(request: FastifyRequest): CacheRequestInfo {
  const url = request.url;
  const query = url.indexOf('?');
  return {
    // A HEAD route drops the body and counts its length itself: a hit sends the GET's body.
    method: request.method === 'HEAD' ? 'GET' : request.method,
    params: request.params as Record<string, string | undefined>,
    routePath: request.routeOptions.url,
    search: query === -1 ? '' : url.slice(query + 1),
    query: request.query as Record<string, unknown>,
    headers: request.headers,
  };
}
