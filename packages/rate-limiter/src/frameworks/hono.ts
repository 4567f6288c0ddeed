import { addWhenWritten, honoNodeResponse } from '@kit/internal';
import type { Context, MiddlewareHandler } from 'hono';
import { RATE_LIMIT_BODY } from '../headers.js';
import { type MiddlewareOptions, prepareMiddleware } from '../middleware.js';

/** Options of the Hono `rateLimit` middleware. */
export interface HonoRateLimitOptions extends MiddlewareOptions<Context> {
  /**
   * The socket address of the request. The default reads it from `@hono/node-server`
   * (`c.env.incoming`) or Bun (`c.env.requestIP`); pass this on other runtimes.
   */
  getIp?: (c: Context) => string | null | undefined;
}

/** What runtimes put in `c.env`: `@hono/node-server` its Node request, Bun a lookup. */
type RuntimeEnv =
  | {
      incoming?: { socket?: { remoteAddress?: string } };
      requestIP?: (req: Request) => { address?: string } | null;
    }
  | undefined;

function runtimeIp(c: Context): string | undefined {
  const env = c.env as RuntimeEnv;
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
  const m = prepareMiddleware(options, true);
  const getIp = options.getIp ?? runtimeIp;
  return async function rateLimit(c, next) {
    const forwardedFor = m.readsForwardedFor ? c.req.header('x-forwarded-for') : undefined;
    const decided = m.decide(c, c.req.path, getIp(c), forwardedFor);
    const decision = decided instanceof Promise ? await decided : decided;
    if (decision === undefined) return next();
    const { headers } = decision;
    if (!decision.allowed) return c.json(RATE_LIMIT_BODY, 429, Object.fromEntries(headers));
    const outgoing = honoNodeResponse(c.env);
    if (outgoing) {
      // @hono/node-server: no Headers object is made, and no response copied.
      addWhenWritten(outgoing, headers);
      return next();
    }
    // Elsewhere: set before next(), so c.json()/c.text() build the response with them. Set
    // after, they would make Hono copy the finished (immutable) response, body and all...
    for (const [name, value] of headers) c.header(name, value);
    await next();
    // ...which a handler's own `new Response()` still needs: copied onto it then, only then.
    const first = headers[0];
    if (first !== undefined && c.res.headers.get(first[0]) !== first[1]) {
      for (const [name, value] of headers) c.header(name, value);
    }
  };
}
