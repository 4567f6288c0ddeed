import { LogThrottle } from '@kit/internal';
import { checkNowOf, loggerOf } from './check-now.js';
import { type ClientIpOptions, createClientIpResolver } from './client-ip.js';
import { invalidOption } from './errors.js';
import {
  checkHeaderOptions,
  createHeaderWriter,
  type HeaderOptions,
  RATE_LIMIT_BODY,
} from './headers.js';
import { checkOutcomeOptions, type OutcomeOptions, type Settle, settler } from './outcome.js';
import type { Identity, RateLimiter, RateLimitResult } from './types.js';

/** What the caller of a request whose `identify` threw gets (see `onIdentifyError`). */
export type IdentifyErrorPolicy = 'anonymous' | 'allow' | 'deny';

/**
 * Options shared by the Express, Hono and Fastify adapters; `Req` is `req`, `c` or `request`,
 * `Res` is `res`, `c` or `reply`.
 */
export interface MiddlewareOptions<Req, Res = Req>
  extends HeaderOptions,
    ClientIpOptions,
    OutcomeOptions<Req, Res> {
  /** The limiter made by `createRateLimiter`. Required. */
  limiter: RateLimiter;
  /**
   * Who the caller is, e.g. from a verified JWT: `{ id, tier }`. Return `null` / `undefined`
   * for an anonymous caller, an invalid or expired token included: it is limited by client IP.
   * A throw means "unknown" (the user store is down, say): `onIdentifyError` decides.
   * @default () => null
   */
  identify?: (req: Req) => Identity | null | undefined | Promise<Identity | null | undefined>;
  /**
   * What a caller gets when `identify` throws: `'anonymous'` limits it by IP, `'allow'` admits
   * it and counts nothing, `'deny'` answers 503 `{"detail":"Service unavailable"}`. Logged at
   * most once a minute.
   * @default 'anonymous'
   */
  onIdentifyError?: IdentifyErrorPolicy;
  /** Units a request costs, fixed or per request. @default 1 */
  cost?: number | ((req: Req) => number);
  /**
   * Requests for which this returns `true` are neither counted nor limited, and get no
   * rate-limit headers: CORS preflights, health checks, an internal network.
   * @example skip: (req) => req.method === 'OPTIONS'
   */
  skip?: (req: Req) => boolean | Promise<boolean>;
  /**
   * What one bucket is: `'path'` (each request path, sanitized: `/api/v1/post/1` and
   * `/api/v1/post/2` are two buckets), `'route'` (the framework's matched route pattern:
   * `/api/v1/post/:id` is one bucket for every id; before routing, the middleware's own mount
   * path, so every path behind it shares one), or a function naming the bucket
   * (`() => 'api'`: one bucket per caller for everything behind the middleware). Rules are
   * resolved per (tier, scope key).
   * @default 'path'
   */
  scope?: 'path' | 'route' | ((req: Req) => string);
}

/** The 503 of `onIdentifyError: 'deny'`. */
export const IDENTITY_UNAVAILABLE_BODY: { readonly detail: string } = Object.freeze({
  detail: 'Service unavailable',
});

/** What an adapter does with a request the limiter has checked. */
export interface Decision {
  /** `false`: refuse with `status` and `body` (or the app's `onLimit` for a 429). */
  allowed: boolean;
  /** 429 for a limit or a deny list, 503 for `onIdentifyError: 'deny'`. */
  status: 429 | 503;
  body: { readonly detail: string };
  /** Set on the response either way. */
  headers: Array<[string, string]>;
  /** What the handler sees as `req.rateLimit`; `undefined` when nothing was checked. */
  result: RateLimitResult | undefined;
  /**
   * Set when the request's outcome decides whether it counts (`skipSuccessfulRequests`,
   * `skipFailedRequests`): the adapter calls it once the response is done.
   */
  settle: Settle | undefined;
}

/** What an adapter needs at request time, checked once when the middleware is made. */
export interface PreparedMiddleware<Req> {
  /**
   * Whether `decide` needs `X-Forwarded-For` (a `trustProxy` is set): adapters skip reading the
   * header otherwise, which on some runtimes (Hono on Node) is not free.
   */
  readsForwardedFor: boolean;
  /** What the adapter passes as `target`: the request path, or the matched route pattern. */
  keysBy: 'path' | 'route';
  /** Whether a decision may carry `settle`: the adapter then watches for the response's end. */
  settles: boolean;
  /**
   * Skips, identifies, keys and checks one request; `undefined` when `skip()` said so (no
   * headers, nothing counted). `target` is the raw path (see `requestPath`) or route pattern,
   * as `keysBy` says; a function `scope` replaces it. Answers without a promise when nothing
   * had to wait (no async `skip`/`identify`, an in-process store); may throw either way.
   */
  decide(
    req: Req,
    target: string,
    remoteAddress: string | null | undefined,
    forwardedFor?: string | string[] | null,
  ): Decision | undefined | Promise<Decision | undefined>;
}

const POLICIES: readonly IdentifyErrorPolicy[] = ['anonymous', 'allow', 'deny'];
const IDENTIFY_LOG_INTERVAL_MS = 60_000;
// A caller whose identity is unknown may retry soon: most outages are short.
const UNAVAILABLE_RETRY_SECONDS = '5';
const ADMITTED: Decision = Object.freeze({
  allowed: true,
  status: 429,
  body: { detail: '' },
  headers: [],
  result: undefined,
  settle: undefined,
}) as Decision;

/** Whether `value` is a thenable, without awaiting what need not wait. */
const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as Partial<PromiseLike<unknown>>)?.then === 'function';

function checkFunctions(options: object, names: readonly string[]): void {
  for (const name of names) {
    const value = (options as Record<string, unknown>)[name];
    if (value !== undefined && typeof value !== 'function') {
      throw invalidOption(name, 'must be a function', { value });
    }
  }
}

/**
 * Validates middleware options (throwing `E_INVALID_OPTION`) and compiles them. `lowerCaseNames`
 * for frameworks that lower-case header names themselves (Hono's Headers, Fastify's reply).
 */
export function prepareMiddleware<Req, Res = Req>(
  options: MiddlewareOptions<Req, Res>,
  lowerCaseNames = false,
): PreparedMiddleware<Req> {
  const limiter = options?.limiter;
  if (typeof limiter?.check !== 'function') {
    throw invalidOption('limiter', 'is required: pass the result of createRateLimiter()', {
      value: limiter,
    });
  }
  const { identify, cost = 1, skip, trustProxy, scope = 'path' } = options;
  checkFunctions(options, ['identify', 'skip', 'onLimit']);
  if (typeof cost !== 'function' && (!Number.isSafeInteger(cost) || cost < 1)) {
    throw invalidOption('cost', 'must be a positive integer or a function', { value: cost });
  }
  if (scope !== 'path' && scope !== 'route' && typeof scope !== 'function') {
    throw invalidOption('scope', "must be 'path', 'route' or a function", { value: scope });
  }
  const policy = options.onIdentifyError ?? 'anonymous';
  if (!POLICIES.includes(policy)) {
    throw invalidOption('onIdentifyError', "must be 'anonymous', 'allow' or 'deny'", {
      value: policy,
    });
  }
  const headerOptions = checkHeaderOptions(options);
  const headersOf = createHeaderWriter(headerOptions, lowerCaseNames);
  const retryName = lowerCaseNames ? 'retry-after' : 'Retry-After';
  const unavailable: Decision = {
    ...ADMITTED,
    allowed: false,
    status: 503,
    body: IDENTITY_UNAVAILABLE_BODY,
    headers: [[retryName, UNAVAILABLE_RETRY_SECONDS]],
  };
  const clientIp = createClientIpResolver(options);
  const costOf = typeof cost === 'function' ? cost : () => cost;
  const scopeOf = typeof scope === 'function' ? scope : undefined;
  const check = checkNowOf(limiter);
  const logger = loggerOf(limiter);
  const throttle = new LogThrottle(100);
  const settle = settler(limiter, checkOutcomeOptions(options), logger, throttle);

  const decision = (result: RateLimitResult): Decision => {
    if (result.listed !== null) {
      // Nothing was counted: no quota to report; a deny list's refusal says when to retry.
      const headers: Array<[string, string]> = result.allowed
        ? []
        : [[retryName, String(result.retryAfter)]];
      return { ...ADMITTED, allowed: result.allowed, body: RATE_LIMIT_BODY, headers, result };
    }
    return {
      allowed: result.allowed,
      status: 429,
      body: RATE_LIMIT_BODY,
      // The store's clock when it decided, as the reset time is on it: no second clock read
      // (about 50 ns here). A refusal answered from memory was decided earlier: read it now.
      headers: headersOf(result, !result.cached && result.at > 0 ? result.at : undefined),
      result,
      settle: result.allowed ? settle : undefined,
    };
  };

  /** `null`: go on as anonymous; otherwise the decision for an unknown caller. */
  function identifyFailed(error: unknown): Decision | null {
    if (throttle.shouldLog('identify', IDENTIFY_LOG_INTERVAL_MS)) {
      const cause = error instanceof Error ? error.message : String(error);
      logger.error(
        { code: 'E_IDENTIFY_FAILED', policy, cause },
        `[@kit/rate-limiter] identify() threw (${cause}); applying onIdentifyError "${policy}" (logged at most once a minute)`,
      );
    }
    if (policy === 'anonymous') return null;
    return policy === 'allow' ? ADMITTED : unavailable;
  }

  function checked(
    req: Req,
    identity: Identity | null,
    target: string,
    ip: string | undefined,
  ): Decision | Promise<Decision> {
    const path = scopeOf === undefined ? target : scopeOf(req);
    if (typeof path !== 'string') {
      throw invalidOption('scope', 'returned something that is not a string', { value: path });
    }
    const result = check({ path, identity, ip, cost: costOf(req) });
    return result instanceof Promise ? result.then(decision) : decision(result);
  }

  function identified(req: Req, target: string, ip: string | undefined) {
    if (identify === undefined) return checked(req, null, target, ip);
    let found: ReturnType<NonNullable<typeof identify>>;
    try {
      found = identify(req);
    } catch (error) {
      return identifyFailed(error) ?? checked(req, null, target, ip);
    }
    if (!isThenable(found)) return checked(req, found ?? null, target, ip);
    return Promise.resolve(found).then(
      (identity) => checked(req, identity ?? null, target, ip),
      (error) => identifyFailed(error) ?? checked(req, null, target, ip),
    );
  }

  return {
    readsForwardedFor: trustProxy !== undefined && trustProxy !== false && trustProxy !== 0,
    keysBy: scope === 'route' ? 'route' : 'path',
    settles: settle !== undefined,
    // Each promise is a turn of the microtask queue per request: only what must wait waits.
    decide(req, target, remoteAddress, forwardedFor) {
      const ip = clientIp(remoteAddress, forwardedFor);
      if (skip === undefined) return identified(req, target, ip);
      const skipped = skip(req);
      if (isThenable(skipped)) {
        return Promise.resolve(skipped).then((yes) =>
          yes ? undefined : identified(req, target, ip),
        );
      }
      return skipped ? undefined : identified(req, target, ip);
    },
  };
}
