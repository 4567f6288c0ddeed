import fastifyRateLimit from '@fastify/rate-limit';
import type { CacheInstance } from '@kit/cache';
import type { RateLimiter } from '@kit/rate-limiter';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { CACHE_ROUTE, HIGH_LIMIT, RATE_LIMIT_PATH } from './catalog.js';
import {
  bentoPages,
  CACHE_ROUTE_OPTIONS,
  HEADERS_OFF,
  importOrUnavailable,
  oursCache,
  oursLimiter,
  pageFor,
  rlfLimiter,
  type ServerContext,
  TWO_HEADERS,
  WINDOW_MS,
} from './parts.js';

type Params = { username?: string; page?: string };
const NOT_BUILT = 'adapter not built yet';

// Our Fastify adapters are written while this bench is: typed here by what the bench calls,
// loaded by a specifier the compiler does not resolve, so the bench builds before they exist.
const RATE_LIMIT_ADAPTER: string = '@kit/rate-limiter/fastify';
const CACHE_ADAPTER: string = '@kit/cache/fastify';

const rateLimiters: Record<string, (app: FastifyInstance, ctx: ServerContext) => Promise<void>> = {
  bare: async () => {},
  // What any rate-limit hook costs at the least: a callback onRequest hook that does nothing.
  async noop(app) {
    app.addHook('onRequest', (_req, _reply, done) => done());
  },
  async 'noop-headers'(app) {
    app.addHook('onRequest', (_req, reply, done) => {
      for (const [name, value] of TWO_HEADERS) reply.header(name, value);
      done();
    });
  },
  async ours(app, ctx) {
    const { rateLimitPlugin } = await importOrUnavailable<{
      rateLimitPlugin: FastifyPluginAsync<{ limiter: RateLimiter }>;
    }>(RATE_LIMIT_ADAPTER, NOT_BUILT);
    await app.register(rateLimitPlugin, { limiter: await oursLimiter(ctx) });
  },
  async 'ours-noheaders'(app, ctx) {
    const { rateLimitPlugin } = await importOrUnavailable<{
      rateLimitPlugin: FastifyPluginAsync<{ limiter: RateLimiter } & typeof HEADERS_OFF>;
    }>(RATE_LIMIT_ADAPTER, NOT_BUILT);
    await app.register(rateLimitPlugin, { limiter: await oursLimiter(ctx), ...HEADERS_OFF });
  },
  async frl(app, ctx) {
    await app.register(fastifyRateLimit, {
      max: HIGH_LIMIT,
      timeWindow: WINDOW_MS,
      ...(ctx.variant.store === 'redis'
        ? { redis: await ctx.redis(), nameSpace: `${ctx.prefix}frl:` }
        : {}),
    });
  },
  // rate-limiter-flexible's README middleware, as Fastify runs middleware: an onRequest hook.
  async rlf(app, ctx) {
    const limiter = await rlfLimiter(ctx);
    app.addHook('onRequest', async (req, reply) => {
      try {
        await limiter.consume(req.ip);
      } catch {
        return reply.code(429).send('Too Many Requests');
      }
    });
  },
};

async function cachedRoute(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const impl = ctx.variant.impl;
  if (impl === 'bare') {
    app.get<{ Params: Params }>(CACHE_ROUTE, async (req) => pageFor(req.params));
  } else if (impl === 'ours') {
    const { cachePlugin } = await importOrUnavailable<{
      cachePlugin: FastifyPluginAsync<{ cache: CacheInstance }>;
    }>(CACHE_ADAPTER, NOT_BUILT);
    await app.register(cachePlugin, { cache: await oursCache(ctx) });
    app.get<{ Params: Params }>(
      CACHE_ROUTE,
      { config: { cache: CACHE_ROUTE_OPTIONS } as object },
      async (req) => pageFor(req.params),
    );
  } else if (impl === 'bento') {
    const pages = await bentoPages(ctx);
    app.get<{ Params: Params }>(CACHE_ROUTE, async (req) => await pages(req.params));
  } else {
    throw new Error(`no Fastify cache variant ${impl}`);
  }
}

/** Builds the Fastify 5 app of `ctx.variant` and listens on 127.0.0.1:0; resolves to the port. */
export async function start(ctx: ServerContext): Promise<number> {
  const app = Fastify();
  const { variant } = ctx;
  if (variant.section === 'rate-limit') {
    const register = rateLimiters[variant.impl];
    if (!register) throw new Error(`no Fastify rate-limit variant ${variant.impl}`);
    await register(app, ctx);
    app.get(RATE_LIMIT_PATH, async () => ({ ok: true }));
  } else {
    await cachedRoute(app, ctx);
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('Fastify did not listen on TCP');
  return address.port;
}
