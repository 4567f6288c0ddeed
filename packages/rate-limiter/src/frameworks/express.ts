import type { NextFunction, Request, Response } from 'express';
import { customRefusal, settleOnNodeResponse, whenDecided } from '../adapter-flow.js';
import { type Decision, type MiddlewareOptions, prepareMiddleware } from '../middleware.js';
import { requestPath } from '../path.js';
import type { RateLimitResult } from '../types.js';

declare global {
  namespace Express {
    interface Request {
      /** The rate-limit check of this request, set by `@kit/rate-limiter`'s `rateLimit()`. */
      rateLimit?: RateLimitResult;
    }
  }
}

/** Options of the Express `rateLimit` middleware. */
export interface ExpressRateLimitOptions extends MiddlewareOptions<Request, Response> {
  /**
   * Writes the refusal instead of 429 `{"detail":"Rate limit exceeded"}` (the rate-limit
   * headers and `Retry-After` are already set). If it sends nothing, the default is sent.
   * @example onLimit: (result, req, res) => res.status(429).json({ error: 'slow down', retryAfter: result.retryAfter })
   */
  onLimit?: (result: RateLimitResult, req: Request, res: Response) => unknown;
}

/**
 * The middleware `rateLimit()` returns. Generic over the request's types, so Express infers
 * each route's own: typed `(req: Request) => ...`, it would be a candidate of that inference and
 * widen `req.params.username` on `/:username` to `ParamsDictionary`'s `string | string[]` for
 * every handler after it. It still fits wherever a `RequestHandler` goes.
 */
export type RateLimitMiddleware = <
  P,
  ResBody,
  ReqBody,
  ReqQuery,
  Locals extends Record<string, unknown>,
>(
  req: Request<P, ResBody, ReqBody, ReqQuery, Locals>,
  res: Response<ResBody, Locals>,
  next: NextFunction,
) => void;

/** The matched route pattern under its mount path; before routing, the mount path alone. */
function routeOf(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  const route = path === undefined ? '' : String(path);
  return `${req.baseUrl}${route}` || '/';
}

/**
 * Express (v5) middleware: limits each request by `identify(req)` or client IP, writes the
 * `RateLimit-*` headers, and answers 429 `{"detail":"Rate limit exceeded"}` with `Retry-After`.
 * The rule path is the full request path (`req.originalUrl`), also under a mounted router,
 * lower-cased unless the app enables `case sensitive routing` (Express matches either case).
 * The client IP is the socket address unless `trustProxy` says otherwise (Express's own
 * `trust proxy` setting is not used). The handler finds the result in `req.rateLimit`.
 *
 * @example
 * import express from 'express';
 * import { rateLimit } from '@kit/rate-limiter/express';
 *
 * const app = express();
 * app.use('/api', rateLimit({ limiter, identify: (req) => userFromBearer(req.headers.authorization) }));
 */
export function rateLimit(options: ExpressRateLimitOptions): RateLimitMiddleware {
  const m = prepareMiddleware(options);
  const { onLimit } = options;

  // Whatever the route's types, the object is Express's Request; the options are written for it.
  function finish(req: Request, res: Response, next: NextFunction, decision: Decision | undefined) {
    if (decision === undefined) return next();
    for (const [name, value] of decision.headers) res.setHeader(name, value);
    if (decision.result !== undefined) req.rateLimit = decision.result;
    if (decision.allowed) {
      settleOnNodeResponse(decision, res, req, res);
      return next();
    }
    const send = () => {
      if (!res.headersSent) res.status(decision.status).json(decision.body);
    };
    const own = customRefusal(decision, onLimit && ((result) => onLimit(result, req, res)));
    if (own === undefined) send();
    else own.then(send, next);
  }

  return function rateLimit(req: Request, res: Response, next: NextFunction): void {
    const decide = () => {
      const target =
        m.keysBy === 'route'
          ? routeOf(req)
          : // Express matches either case unless `case sensitive routing` is on.
            requestPath(req.originalUrl ?? req.url, req.app.enabled('case sensitive routing'));
      const forwardedFor = m.readsForwardedFor ? req.headers['x-forwarded-for'] : undefined;
      return m.decide(req, target, req.socket.remoteAddress, forwardedFor);
    };
    void whenDecided(decide, (decision) => finish(req, res, next, decision), next);
  } as RateLimitMiddleware;
}
