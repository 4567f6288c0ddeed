import { addWhenWritten, honoNodeResponse } from '@kit/internal';
import type { Context, MiddlewareHandler, Next } from 'hono';
import { customRefusal, settleOnNodeResponse, whenDecided } from '../adapter-flow.js';
import { type Decision, type MiddlewareOptions, prepareMiddleware } from '../middleware.js';
import type { NodeResponse } from '../outcome.js';
import type { RateLimitResult } from '../types.js';

declare module 'hono' {
  interface ContextVariableMap {
    /**
     * The rate-limit check of this request, set by `@kit/rate-limiter`'s `rateLimit()`;
     * `undefined` when nothing was checked (`skip`, `onIdentifyError: 'allow'`).
     */
    rateLimit: RateLimitResult | undefined;
  }
}

/** Options of the Hono `rateLimit` middleware. */
export interface HonoRateLimitOptions extends MiddlewareOptions<Context, Context> {
  /**
   * Writes the refusal instead of 429 `{"detail":"Rate limit exceeded"}` (the rate-limit
   * headers and `Retry-After` are already set on `c`). Returning nothing sends the default.
   * @example onLimit: (result, c) => c.json({ error: 'slow down', retryAfter: result.retryAfter }, 429)
   */
  onLimit?: (
    result: RateLimitResult,
    c: Context,
  ) => Response | undefined | Promise<Response | undefined>;
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

const rejectWith = (error: unknown): Promise<never> => Promise.reject(error);

function runtimeIp(c: Context): string | undefined {
  const env = c.env as RuntimeEnv;
  return env?.incoming?.socket?.remoteAddress ?? env?.requestIP?.(c.req.raw)?.address;
}

/** `response` with the rate-limit headers, unless it sets its own; copied if it is immutable. */
function withHeaders(response: Response, headers: Array<[string, string]>): Response {
  const missing = headers.filter(([name]) => !response.headers.has(name));
  if (missing.length === 0) return response;
  try {
    for (const [name, value] of missing) response.headers.set(name, value);
    return response;
  } catch {
    // A Response.redirect() or a fetched one: immutable headers.
    const copy = new Response(response.body, response);
    for (const [name, value] of missing) copy.headers.set(name, value);
    return copy;
  }
}

/** Off Node: the headers go on Hono's context, where c.json()/c.text() build the response. */
async function admitElsewhere(c: Context, next: Next, decision: Decision): Promise<void> {
  const { headers, result, settle } = decision;
  // Set before next(): set after, they would make Hono copy the finished (immutable)
  // response, body and all...
  for (const [name, value] of headers) c.header(name, value);
  if (settle === undefined || result === undefined) await next();
  else {
    try {
      await next();
    } catch (error) {
      settle(result, c, c, 500, false);
      throw error;
    }
    settle(result, c, c, c.res.status, !c.req.raw.signal.aborted);
  }
  // ...which a handler's own `new Response()` still needs: copied onto it then, only then.
  const first = headers[0];
  if (first !== undefined && c.res.headers.get(first[0]) !== first[1]) {
    for (const [name, value] of headers) c.header(name, value);
  }
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
  const { onLimit } = options;

  async function refuse(c: Context, decision: Decision): Promise<Response> {
    const { headers } = decision;
    const own = await customRefusal(
      decision,
      onLimit &&
        ((result) => {
          // Set first, so a refusal onLimit builds with c.json() carries them.
          for (const [name, value] of headers) c.header(name, value);
          return onLimit(result, c);
        }),
    );
    if (own !== undefined) return withHeaders(own as Response, headers);
    return c.json(decision.body, decision.status, Object.fromEntries(headers));
  }

  /** After the check: refuse, or let the request through with the headers added. */
  function admit(
    c: Context,
    next: Next,
    decision: Decision | undefined,
  ): ReturnType<MiddlewareHandler> {
    if (decision === undefined) return next();
    const { headers, result } = decision;
    if (result !== undefined) c.set('rateLimit', result);
    if (!decision.allowed) return refuse(c, decision);
    const outgoing = honoNodeResponse(c.env);
    if (outgoing === undefined) return admitElsewhere(c, next, decision);
    // @hono/node-server: no Headers object is made, and no response copied.
    addWhenWritten(outgoing, headers);
    // Settled when the response is written or the client went away, as on Express.
    settleOnNodeResponse(decision, outgoing as unknown as NodeResponse, c, c);
    return next();
  }

  // Not async: a check answered at once (memory store) hands Hono next()'s own promise, with
  // no promise of ours around it.
  return function rateLimit(c, next) {
    const forwardedFor = m.readsForwardedFor ? c.req.header('x-forwarded-for') : undefined;
    // In middleware, Hono's routePath is the middleware's own pattern (`/api/*`).
    const target = m.keysBy === 'route' ? c.req.routePath : c.req.path;
    // A failure is a rejection, as an async middleware's would be: a caller outside Hono may
    // await it.
    return whenDecided(
      () => m.decide(c, target, getIp(c), forwardedFor),
      (decision) => admit(c, next, decision),
      rejectWith,
    );
  };
}
