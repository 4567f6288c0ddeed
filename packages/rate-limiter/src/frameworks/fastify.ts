import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { customRefusal, settleOnNodeResponse, whenDecided } from '../adapter-flow.js';
import { invalidOption } from '../errors.js';
import {
  type Decision,
  type MiddlewareOptions,
  type PreparedMiddleware,
  prepareMiddleware,
} from '../middleware.js';
import { requestPath } from '../path.js';
import type { RateLimitResult } from '../types.js';

/** Options of the Fastify `rateLimitPlugin`: the same as the Express and Hono middleware. */
export interface FastifyRateLimitOptions extends MiddlewareOptions<FastifyRequest, FastifyReply> {
  /**
   * Writes the refusal instead of 429 `{"detail":"Rate limit exceeded"}` (the rate-limit
   * headers and `Retry-After` are already set). If it sends nothing, the default is sent.
   * @example onLimit: (result, request, reply) => reply.code(429).send({ error: 'slow down' })
   */
  onLimit?: (result: RateLimitResult, request: FastifyRequest, reply: FastifyReply) => unknown;
}

/**
 * A route's `config.rateLimit`: `false` opts the route out, an object overrides plugin options.
 * (`& object`: an all-optional object type alone would also accept `true`.)
 */
export type FastifyRouteRateLimit = false | (Partial<FastifyRateLimitOptions> & object);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `@kit/rate-limiter` for this route: `false` opts out, `{ cost: 3 }` overrides. */
    rateLimit?: FastifyRouteRateLimit;
  }
  interface FastifyRequest {
    /** The rate-limit check of this request, set by `@kit/rate-limiter`'s `rateLimitPlugin`. */
    rateLimit?: RateLimitResult;
  }
}

type Prepared = PreparedMiddleware<FastifyRequest> & {
  onLimit: FastifyRateLimitOptions['onLimit'];
};

function prepare(options: FastifyRateLimitOptions): Prepared {
  return Object.assign(prepareMiddleware(options, true), { onLimit: options.onLimit });
}

function refuse(m: Prepared, request: FastifyRequest, reply: FastifyReply, decision: Decision) {
  const send = () => {
    if (!reply.sent) reply.code(decision.status).send(decision.body);
  };
  const { onLimit } = m;
  const own = customRefusal(decision, onLimit && ((result) => onLimit(result, request, reply)));
  // Errors of onLimit go to Fastify's error handler.
  if (own === undefined) send();
  else own.then(send, (error) => reply.send(error));
}

async function plugin(app: FastifyInstance, options: FastifyRateLimitOptions): Promise<void> {
  const base = prepare(options);
  if (!app.hasRequestDecorator('rateLimit')) app.decorateRequest('rateLimit', undefined);
  const { routerOptions, caseSensitive } = app.initialConfig;
  // Fastify routes `/API` like `/api` under `caseSensitive: false`, then one bucket for both.
  const sensitive = routerOptions?.caseSensitive ?? caseSensitive ?? true;
  // Keyed by the route's own `config.rateLimit` object, which Fastify hands on as is.
  const perRoute = new WeakMap<object, Prepared>();
  const settingsOf = (own: Partial<FastifyRateLimitOptions>): Prepared => {
    let m = perRoute.get(own);
    if (m === undefined) {
      m = prepare({ ...options, ...own });
      perRoute.set(own, m);
    }
    return m;
  };

  // Checked as each route is added, so a bad per-route option fails at startup (app.ready()).
  app.addHook('onRoute', (route) => {
    const own: unknown = route.config?.rateLimit;
    if (own === undefined || own === false) return;
    if (typeof own !== 'object' || own === null) {
      throw invalidOption('config.rateLimit', 'must be false or an object of rateLimit options', {
        value: own,
      });
    }
    settingsOf(own);
  });

  // A callback hook, not an async one: a check answered at once (memory store) then goes on
  // in the same turn, with no promise made.
  app.addHook('onRequest', (request, reply, done) => {
    const own = request.routeOptions.config.rateLimit;
    if (own === false) return done();
    // A route added before this plugin ran was not seen by onRoute: prepared on first use.
    const m = own === undefined ? base : settingsOf(own);
    const forwardedFor = m.readsForwardedFor ? request.headers['x-forwarded-for'] : undefined;
    const target =
      m.keysBy === 'route'
        ? (request.routeOptions.url ?? '*')
        : requestPath(request.url, sensitive);
    const finish = (decision: Decision | undefined) => {
      if (decision === undefined) return done();
      for (const [name, value] of decision.headers) reply.header(name, value);
      if (decision.result !== undefined) request.rateLimit = decision.result;
      // Answering from a callback hook: send, and do not call done().
      if (!decision.allowed) return refuse(m, request, reply, decision);
      settleOnNodeResponse(decision, reply.raw, request, reply);
      done();
    };
    const decide = () => m.decide(request, target, request.raw.socket.remoteAddress, forwardedFor);
    void whenDecided(decide, finish, (error) => done(error as Error));
  });
}

/**
 * Fastify (v5) plugin: limits each request by `identify(request)` or client IP, writes the
 * `RateLimit-*` headers, and answers 429 `{"detail":"Rate limit exceeded"}` with `Retry-After`.
 * It applies to every route of the instance it is registered on and of that instance's children
 * (it skips Fastify's encapsulation, as `fastify-plugin` would), not to siblings or the parent.
 * A route opts out with `config: { rateLimit: false }` or overrides options with
 * `config: { rateLimit: { cost: 3 } }`. The client IP is the socket address unless `trustProxy`
 * says otherwise (Fastify's own `trustProxy` is not used).
 *
 * @example
 * import Fastify from 'fastify';
 * import { rateLimitPlugin } from '@kit/rate-limiter/fastify';
 *
 * const app = Fastify();
 * await app.register(rateLimitPlugin, { limiter });
 * app.get('/api/v1/tasks', () => ({ ok: true }));
 * app.get('/health', { config: { rateLimit: false } }, () => 'up');
 */
export const rateLimitPlugin: FastifyPluginAsync<FastifyRateLimitOptions> = Object.assign(plugin, {
  // What fastify-plugin sets, spelled out so the package has no runtime dependency.
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@kit/rate-limiter',
  [Symbol.for('plugin-meta')]: { fastify: '5.x', name: '@kit/rate-limiter' },
});

export default rateLimitPlugin;
