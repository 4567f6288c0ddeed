import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import apicache from 'apicache';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { rateLimit as expressRateLimit } from 'express-rate-limit';
import { CACHE_ROUTE, CACHE_TTL_SECONDS, RATE_LIMIT_PATH } from './catalog.js';
import {
  apicacheRedis,
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

type Params = { username?: string; page?: string };

/** The middleware in front of the route, per implementation; none for the bare app. */
const rateLimiters: Record<string, (ctx: ServerContext) => Promise<RequestHandler | undefined>> = {
  bare: async () => undefined,
  // What any middleware costs at the least: Express's own work of running one.
  noop: async () => (_req, _res, next) => next(),
  'noop-headers': async () => (_req, res, next) => {
    for (const [name, value] of TWO_HEADERS) res.setHeader(name, value);
    next();
  },
  async ours(ctx) {
    const { rateLimit } = await import('@kit/rate-limiter/express');
    return rateLimit({ limiter: await oursLimiter(ctx) });
  },
  async 'ours-noheaders'(ctx) {
    const { rateLimit } = await import('@kit/rate-limiter/express');
    return rateLimit({ limiter: await oursLimiter(ctx), ...HEADERS_OFF });
  },
  async erl(ctx) {
    const store = await rateLimitRedisStore(ctx);
    return expressRateLimit({ ...RATE_LIMIT_WINDOW, ...(store ? { store } : {}) });
  },
  // rate-limiter-flexible's README middleware: consume the IP, 429 when it rejects.
  async rlf(ctx) {
    const limiter = await rlfLimiter(ctx);
    return (req, res, next) => {
      limiter
        .consume(req.ip as string)
        .then(() => next())
        .catch(() => res.status(429).send('Too Many Requests'));
    };
  },
};

const sendPage = (req: Request<Params>, res: Response) => {
  res.json(pageFor(req.params));
};

/** The cached route's handler chain, per implementation. */
const cachedRoutes: Record<string, (ctx: ServerContext) => Promise<RequestHandler<Params>[]>> = {
  bare: async () => [sendPage],
  async ours(ctx) {
    const { cache } = await import('@kit/cache/express');
    return [cache(await oursCache(ctx), CACHE_ROUTE_OPTIONS) as RequestHandler<Params>, sendPage];
  },
  async apicache(ctx) {
    const instance =
      ctx.variant.store === 'redis'
        ? apicache.newInstance({ redisClient: apicacheRedis(await ctx.redis()) as never })
        : apicache.newInstance({});
    return [instance.middleware(`${CACHE_TTL_SECONDS} seconds`), sendPage];
  },
  async bento(ctx) {
    const pages = await bentoPages(ctx);
    return [
      async (req, res) => {
        res.json(await pages(req.params));
      },
    ];
  },
};

/** Builds the Express 5 app of `ctx.variant` and listens on 127.0.0.1:0; resolves to the port. */
export async function start(ctx: ServerContext): Promise<number> {
  const app = express();
  const { variant } = ctx;
  if (variant.section === 'rate-limit') {
    const make = rateLimiters[variant.impl];
    if (!make) throw new Error(`no Express rate-limit variant ${variant.impl}`);
    const middleware = await make(ctx);
    if (middleware) app.use(middleware);
    app.get(RATE_LIMIT_PATH, (_req, res) => {
      res.json({ ok: true });
    });
  } else {
    const chain = await cachedRoutes[variant.impl]?.(ctx);
    if (!chain) throw new Error(`no Express cache variant ${variant.impl}`);
    app.get(CACHE_ROUTE, ...chain);
  }
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}
