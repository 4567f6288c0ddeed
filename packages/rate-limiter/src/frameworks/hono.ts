import type { Context, MiddlewareHandler } from 'hono';
import { RATE_LIMIT_BODY, rateLimitHeaders } from '../headers.js';
import { type MiddlewareOptions, prepareMiddleware } from '../middleware.js';

/** Options of the Hono `rateLimit` middleware. */
export interface HonoRateLimitOptions extends MiddlewareOptions<Context> {
  /**
   * The socket address of the request. The default reads it from `@hono/node-server`
   * (`c.env.incoming`) or Bun (`c.env.requestIP`); pass this on other runtimes.
   */
  getIp?: (c: Context) => string | null | undefined;
}

function runtimeIp(c: Context): string | undefined {
  const env = c.env as
    | {
        incoming?: { socket?: { remoteAddress?: string } };
        requestIP?: (req: Request) => { address?: string } | null;
      }
    | undefined;
  return env?.incoming?.socket?.remoteAddress ?? env?.requestIP?.(c.req.raw)?.address;
}

/**
 * Hono (v4) middleware: limits each request by `identify(c)` or client IP, writes the
 * `RateLimit-*` headers, and answers 429 `{"detail":"Rate limit exceeded"}` with `Retry-After`.
 *
 * @example
 * import { Hono } from 'hono';
 * import { rateLimit } from '@kit/rate-limiter/hono';
 *
 * const app = new Hono();
 * app.use('/api/*', rateLimit({ limiter, identify: (c) => userFromBearer(c.req.header('authorization')) }));
 */
export function rateLimit(options: HonoRateLimitOptions): MiddlewareHandler {
  const m = prepareMiddleware(options);
  const getIp = options.getIp ?? runtimeIp;
  return async function rateLimit(c, next) {
    if (m.skip !== undefined && (await m.skip(c))) return next();
    const identity = await m.identify(c);
    const ip = m.clientIp(getIp(c), c.req.header('x-forwarded-for'));
    const result = await m.limiter.check({ path: c.req.path, identity, ip, cost: m.cost(c) });
    const headers = rateLimitHeaders(result, m.headers);
    if (!result.allowed) return c.json(RATE_LIMIT_BODY, 429, Object.fromEntries(headers));
    await next();
    // After next(): the handler's response exists, and c.header() copies it if it is immutable.
    for (const [name, value] of headers) c.header(name, value);
  };
}
