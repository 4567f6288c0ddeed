import type { NextFunction, Request, Response } from 'express';
import { RATE_LIMIT_BODY, rateLimitHeaders } from '../headers.js';
import { type MiddlewareOptions, prepareMiddleware } from '../middleware.js';

/**
 * The request path. Node also accepts an absolute-form target (`GET http://any.host/api HTTP/1.1`),
 * which Express routes by its path: keyed as is, every made-up host would be a fresh bucket.
 */
function requestPath(req: Request): string {
  const url = req.originalUrl ?? req.url;
  let path = url;
  if (url.charCodeAt(0) !== 47 /* / */) {
    try {
      path = new URL(url).pathname;
    } catch {}
  }
  // Express routes `/API/v1/Tasks` like `/api/v1/tasks` unless told otherwise: one bucket for
  // both, or each case variant would be a fresh one. (No copy when already lower case.)
  return req.app.enabled('case sensitive routing') ? path : path.toLowerCase();
}

/** Options of the Express `rateLimit` middleware. */
export type ExpressRateLimitOptions = MiddlewareOptions<Request>;

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
export function rateLimit(
  options: ExpressRateLimitOptions,
): (req: Request, res: Response, next: NextFunction) => Promise<void> {
  const m = prepareMiddleware(options);
  return async function rateLimit(req, res, next) {
    try {
      if (m.skip !== undefined && (await m.skip(req))) {
        next();
        return;
      }
      const identity = await m.identify(req);
      const ip = m.clientIp(req.socket.remoteAddress, req.headers['x-forwarded-for']);
      const result = await m.limiter.check({
        path: requestPath(req),
        identity,
        ip,
        cost: m.cost(req),
      });
      for (const [name, value] of rateLimitHeaders(result, m.headers)) res.setHeader(name, value);
      if (!result.allowed) {
        res.status(429).json(RATE_LIMIT_BODY);
        return;
      }
    } catch (error) {
      next(error);
      return;
    }
    next();
  };
}
