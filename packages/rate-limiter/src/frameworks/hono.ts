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

/** What runtimes put in `c.env`: `@hono/node-server` its Node request and response, Bun a lookup. */
type RuntimeEnv =
  | {
      incoming?: { socket?: { remoteAddress?: string } };
      outgoing?: NodeResponse;
      requestIP?: (req: Request) => { address?: string } | null;
    }
  | undefined;

/** What is used of Node's `ServerResponse` (or `Http2ServerResponse`). */
interface NodeResponse {
  headersSent: boolean;
  writeHead(status: number, ...rest: unknown[]): unknown;
  setHeader(name: string, value: string): unknown;
  hasHeader(name: string): boolean;
}

/**
 * Adds `headers` when the response is written. @hono/node-server writes it with one
 * `writeHead(status, fields)`, whatever Response the handler returned (a raw one too): ours go
 * into a copy of `fields`, which keeps Node's fast path (headers set with `setHeader` before make
 * Node pass every field through `setHeader` again), and a field the response sets itself wins.
 * The `on-headers` package wraps `writeHead` the same way.
 */
function addWhenWritten(outgoing: NodeResponse, headers: Array<[string, string]>): void {
  const writeHead = outgoing.writeHead;
  outgoing.writeHead = function (this: NodeResponse, status: number, ...rest: unknown[]) {
    const fields = rest[0];
    if (rest.length <= 1 && (fields === undefined || isPlainObject(fields))) {
      // Copied key by key (`{ ...fields }`, then adding keys, measured 20x slower on Node 20),
      // lower-cased as HTTP/2 and Hono's own Headers write them, so a name the response sets
      // in any case is found.
      const merged: Record<string, unknown> = {};
      for (const key in fields) merged[key.toLowerCase()] = fields[key];
      for (const [name, value] of headers) if (merged[name] === undefined) merged[name] = value;
      return writeHead.call(this, status, merged);
    }
    // A status message or a raw list of fields: give Node ours the ordinary way.
    for (const [name, value] of headers) if (!this.hasHeader(name)) this.setHeader(name, value);
    return writeHead.call(this, status, ...rest);
  };
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

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
    const outgoing = (c.env as RuntimeEnv)?.outgoing;
    if (typeof outgoing?.writeHead === 'function' && !outgoing.headersSent) {
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
