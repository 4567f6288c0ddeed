import type { NextFunction, Request, Response } from 'express';
import { RATE_LIMIT_BODY } from '../headers.js';
import { type Decision, type MiddlewareOptions, prepareMiddleware } from '../middleware.js';
import { requestPath } from '../path.js';

/** Options of the Express `rateLimit` middleware. */
export type ExpressRateLimitOptions = MiddlewareOptions<Request>;

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

/**
 * Express (v5) middleware: limits each request by `identify(req)` or client IP, writes the
 * `RateLimit-*` headers, and answers 429 `{"detail":"Rate limit exceeded"}` with `Retry-After`.
 * The rule path is the full request path (`req.originalUrl`), also under a mounted router,
 * lower-cased unless the app enables `case sensitive routing` (Express matches either case).
 * The client IP is the socket address unless `trustProxy` says otherwise (Express's own
 * `trust proxy` setting is not used).
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
  // Whatever the route's types, the object is Express's Request; the options are written for it.
  function finish(res: Response, next: NextFunction, decision: Decision | undefined): void {
    if (decision !== undefined) {
      for (const [name, value] of decision.headers) res.setHeader(name, value);
      if (!decision.allowed) {
        res.status(429).json(RATE_LIMIT_BODY);
        return;
      }
    }
    next();
  }

  return function rateLimit(req: Request, res: Response, next: NextFunction): void {
    let decided: ReturnType<typeof m.decide>;
    try {
      decided = m.decide(
        req,
        // Express matches either case unless `case sensitive routing` is on.
        requestPath(req.originalUrl ?? req.url, req.app.enabled('case sensitive routing')),
        req.socket.remoteAddress,
        m.readsForwardedFor ? req.headers['x-forwarded-for'] : undefined,
      );
    } catch (error) {
      next(error);
      return;
    }
    // Answered at once (memory store): on to the next handler in the same turn. Later: a
    // response sent meanwhile (say by a timeout middleware) makes setHeader() throw, which
    // must reach Express, not become an unhandled rejection.
    if (decided instanceof Promise) decided.then((d) => finish(res, next, d)).catch(next);
    else finish(res, next, decided);
  } as RateLimitMiddleware;
}
