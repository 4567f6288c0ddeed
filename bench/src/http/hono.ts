import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import type { H } from 'hono/types';
import { rateLimiter, type Store } from 'hono-rate-limiter';
import { CACHE_ROUTE, RATE_LIMIT_PATH } from './catalog.js';
import {
  bentoPages,
  CACHE_ROUTE_OPTIONS,
  HEADERS_OFF,
  oursCache,
  oursLimiter,
  pageFor,
  RATE_LIMIT_WINDOW,
  rateLimitRedisStore,
  rlfLimiter,
  type ServerContext,
  TWO_HEADERS,
} from './parts.js';

/** The client IP as `@hono/node-server` reports it: the key every peer row uses. */
const clientIp = (c: Context) => getConnInfo(c).remote.address ?? 'unknown';

const rateLimiters: Record<string, (ctx: ServerContext) => Promise<MiddlewareHandler | undefined>> =
  {
    bare: async () => undefined,
    // What any middleware costs at the least: Hono's compose runs the route through promises.
    noop: async () => (_c, next) => next(),
    // Hono's own way: c.header() before next(), which c.json() then builds the response with.
    'noop-headers': async () => (c, next) => {
      for (const [name, value] of TWO_HEADERS) c.header(name, value);
      return next();
    },
    async ours(ctx) {
      const { rateLimit } = await import('@kit/rate-limiter/hono');
      return rateLimit({ limiter: await oursLimiter(ctx) });
    },
    async 'ours-noheaders'(ctx) {
      const { rateLimit } = await import('@kit/rate-limiter/hono');
      return rateLimit({ limiter: await oursLimiter(ctx), ...HEADERS_OFF });
    },
    // hono-rate-limiter has no default key (Hono has no req.ip): its README keys by conninfo.
    async hrl(ctx) {
      const store = (await rateLimitRedisStore(ctx)) as Store | undefined;
      return rateLimiter({
        ...RATE_LIMIT_WINDOW,
        keyGenerator: clientIp,
        ...(store ? { store } : {}),
      });
    },
    async rlf(ctx) {
      const limiter = await rlfLimiter(ctx);
      return async (c, next) => {
        try {
          await limiter.consume(clientIp(c));
        } catch {
          return c.text('Too Many Requests', 429);
        }
        await next();
      };
    },
  };

const cachedRoutes: Record<string, (ctx: ServerContext) => Promise<H[]>> = {
  bare: async () => [(c) => c.json(pageFor(c.req.param()))],
  async ours(ctx) {
    const { cache } = await import('@kit/cache/hono');
    return [
      cache(await oursCache(ctx), CACHE_ROUTE_OPTIONS),
      (c) => c.json(pageFor(c.req.param())),
    ];
  },
  async bento(ctx) {
    const pages = await bentoPages(ctx);
    return [async (c) => c.json(await pages(c.req.param()))];
  },
};

/** Builds the Hono 4 app of `ctx.variant` on @hono/node-server; resolves to the port. */
export async function start(ctx: ServerContext): Promise<number> {
  const app = new Hono();
  const { variant } = ctx;
  if (variant.section === 'rate-limit') {
    const make = rateLimiters[variant.impl];
    if (!make) throw new Error(`no Hono rate-limit variant ${variant.impl}`);
    const middleware = await make(ctx);
    if (middleware) app.use(middleware);
    app.get(RATE_LIMIT_PATH, (c) => c.json({ ok: true }));
  } else {
    const chain = await cachedRoutes[variant.impl]?.(ctx);
    if (!chain) throw new Error(`no Hono cache variant ${variant.impl}`);
    app.get(CACHE_ROUTE, ...(chain as [H]));
  }
  return await new Promise((resolve) => {
    serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port));
  });
}
