import { checkNowOf } from './check-now.js';
import { type ClientIpOptions, createClientIpResolver } from './client-ip.js';
import { invalidOption } from './errors.js';
import { checkHeaderOptions, createHeaderWriter, type HeaderOptions } from './headers.js';
import type { Identity, RateLimiter, RateLimitResult } from './types.js';

/** Options shared by the Express, Hono and Fastify adapters; `Req` is `req`, `c` or `request`. */
export interface MiddlewareOptions<Req> extends HeaderOptions, ClientIpOptions {
  /** The limiter made by `createRateLimiter`. Required. */
  limiter: RateLimiter;
  /**
   * Who the caller is, e.g. from a verified JWT: `{ id, tier }`. `null`/`undefined`, or a throw
   * (an invalid or expired token), means anonymous: the caller is limited by client IP.
   * @default () => null
   */
  identify?: (req: Req) => Identity | null | undefined | Promise<Identity | null | undefined>;
  /** Units a request costs, fixed or per request. @default 1 */
  cost?: number | ((req: Req) => number);
  /**
   * Requests for which this returns `true` are neither counted nor limited, and get no
   * rate-limit headers: CORS preflights, health checks, an internal network.
   * @example skip: (req) => req.method === 'OPTIONS'
   */
  skip?: (req: Req) => boolean | Promise<boolean>;
}

/** What an adapter does with a request the limiter has checked. */
export interface Decision {
  /** `false`: answer 429 with `RATE_LIMIT_BODY`. */
  allowed: boolean;
  /** Set on the response either way. */
  headers: Array<[string, string]>;
}

/** What an adapter needs at request time, checked once when the middleware is made. */
export interface PreparedMiddleware<Req> {
  /**
   * Whether `decide` needs `X-Forwarded-For` (a `trustProxy` is set): adapters skip reading the
   * header otherwise, which on some runtimes (Hono on Node) is not free.
   */
  readsForwardedFor: boolean;
  /**
   * Skips, identifies, keys and checks one request; `undefined` when `skip()` said so (no
   * headers, nothing counted). `path` is the raw path the adapter read (see `requestPath`).
   * Answers without a promise when nothing had to wait (no async `skip`/`identify`, an
   * in-process store), so the adapter can go on in the same turn; may throw either way.
   */
  decide(
    req: Req,
    path: string,
    remoteAddress: string | null | undefined,
    forwardedFor?: string | string[] | null,
  ): Decision | undefined | Promise<Decision | undefined>;
}

/**
 * Validates middleware options (throwing `E_INVALID_OPTION`) and compiles them. `lowerCaseNames`
 * for frameworks that lower-case header names themselves (Hono's Headers, Fastify's reply).
 */
export function prepareMiddleware<Req>(
  options: MiddlewareOptions<Req>,
  lowerCaseNames = false,
): PreparedMiddleware<Req> {
  const limiter = options?.limiter;
  if (typeof limiter?.check !== 'function') {
    throw invalidOption('limiter', 'is required: pass the result of createRateLimiter()', {
      value: limiter,
    });
  }
  const { identify, cost = 1, skip, trustProxy } = options;
  for (const [name, value] of [
    ['identify', identify],
    ['skip', skip],
  ] as const) {
    if (value !== undefined && typeof value !== 'function') {
      throw invalidOption(name, 'must be a function', { value });
    }
  }
  if (typeof cost !== 'function' && (!Number.isSafeInteger(cost) || cost < 1)) {
    throw invalidOption('cost', 'must be a positive integer or a function', { value: cost });
  }
  const headersOf = createHeaderWriter(checkHeaderOptions(options), lowerCaseNames);
  const clientIp = createClientIpResolver(options);
  const costOf = typeof cost === 'function' ? cost : () => cost;
  const check = checkNowOf(limiter);
  const decision = (result: RateLimitResult): Decision => ({
    allowed: result.allowed,
    headers: headersOf(result),
  });

  async function identityOf(req: Req): Promise<Identity | null> {
    try {
      return (await identify!(req)) ?? null;
    } catch {
      // An invalid or expired token is not an error here: limit the caller by IP.
      return null;
    }
  }

  function checked(
    req: Req,
    identity: Identity | null,
    path: string,
    ip: string | undefined,
  ): Decision | Promise<Decision> {
    const result = check({ path, identity, ip, cost: costOf(req) });
    return result instanceof Promise ? result.then(decision) : decision(result);
  }

  function identified(req: Req, path: string, ip: string | undefined) {
    if (identify === undefined) return checked(req, null, path, ip);
    return identityOf(req).then((identity) => checked(req, identity, path, ip));
  }

  return {
    readsForwardedFor: trustProxy !== undefined && trustProxy !== false && trustProxy !== 0,
    // Each promise is a turn of the microtask queue per request: only what must wait waits.
    decide(req, path, remoteAddress, forwardedFor) {
      const ip = clientIp(remoteAddress, forwardedFor);
      if (skip === undefined) return identified(req, path, ip);
      const skipped = skip(req);
      if (typeof (skipped as Partial<PromiseLike<boolean>>)?.then === 'function') {
        return Promise.resolve(skipped).then((yes) =>
          yes ? undefined : identified(req, path, ip),
        );
      }
      return skipped ? undefined : identified(req, path, ip);
    },
  };
}
