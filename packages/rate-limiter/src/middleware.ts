import { type ClientIpOptions, createClientIpResolver } from './client-ip.js';
import { invalidOption } from './errors.js';
import { checkHeaderOptions, type HeaderOptions } from './headers.js';
import type { Identity, RateLimiter } from './types.js';

/** Options shared by the Express and Hono `rateLimit` middleware; `Req` is `req` or `c`. */
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

/** What an adapter needs at request time, checked once when the middleware is made. */
export interface PreparedMiddleware<Req> {
  limiter: RateLimiter;
  headers: Required<HeaderOptions>;
  identify(req: Req): Promise<Identity | null>;
  cost(req: Req): number;
  /** `undefined` when nothing is skipped, so adapters pay nothing for the option unused. */
  skip: ((req: Req) => boolean | Promise<boolean>) | undefined;
  clientIp(
    remoteAddress: string | null | undefined,
    forwardedFor?: string | string[] | null,
  ): string | undefined;
}

/** Validates middleware options (throwing `E_INVALID_OPTION`) and compiles them. */
export function prepareMiddleware<Req>(options: MiddlewareOptions<Req>): PreparedMiddleware<Req> {
  const limiter = options?.limiter;
  if (typeof limiter?.check !== 'function') {
    throw invalidOption('limiter', 'is required: pass the result of createRateLimiter()', {
      value: limiter,
    });
  }
  const { identify, cost = 1, skip } = options;
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
  return {
    limiter,
    headers: checkHeaderOptions(options),
    clientIp: createClientIpResolver(options),
    async identify(req) {
      if (identify === undefined) return null;
      try {
        return (await identify(req)) ?? null;
      } catch {
        // An invalid or expired token is not an error here: limit the caller by IP.
        return null;
      }
    },
    cost: typeof cost === 'function' ? cost : () => cost,
    skip,
  };
}
