import { cache } from '@kit/cache/express';
import {
  type ApiResponse,
  type AppContext,
  docsRoutes,
  errorResponse,
  executeRoute,
  FAILED_LOGIN_STATUS,
  isAllowed,
  loginRateLimitOptions,
  loginScope,
  MAX_BODY_BYTES,
  methodNotAllowedResponse,
  methodsByPath,
  notFoundResponse,
  prepareRoute,
  type RouteInput,
} from '@kit/example-shared';
import { rateLimit } from '@kit/rate-limiter/express';
import express, { type Request, type RequestHandler, type Response } from 'express';

/** The route's JSON answer, with any headers it carries (e.g. `WWW-Authenticate`). */
function send(res: Response, response: ApiResponse): void {
  res.status(response.status).set(response.headers).json(response.body);
}

const asGet = (route: { path: string }) => ({ method: 'get', path: route.path });

/**
 * The example API on Express 5: every route of `ctx.routes`, each behind the `@kit/rate-limiter`
 * and `@kit/cache` middleware it asks for; validation, services and errors live in the context.
 *
 * @example
 * const app = createExpressApp(await createAppContext());
 * app.listen(8000);
 */
export function createExpressApp(ctx: AppContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Cached routes get strong ETags from @kit/cache; Hono sends none elsewhere either.
  app.set('etag', false);

  const limit = rateLimit({
    limiter: ctx.limiter,
    identify: (req: Request) => ctx.auth.identify(req.get('authorization')),
    // identify() throws only when the user store is down: answer 503 rather than charge
    // logged-in users to the anonymous IP bucket for the length of the outage.
    onIdentifyError: 'deny',
    trustProxy: ctx.settings.TRUST_PROXY,
  });
  // Keyed by the submitted account, so the body is read before it.
  const loginLimit = rateLimit({
    ...loginRateLimitOptions(ctx.loginLimiter, ctx.settings),
    scope: (req: Request) => loginScope(typeof req.body === 'string' ? req.body : undefined),
    requestWasSuccessful: (_req, res) => res.statusCode !== FAILED_LOGIN_STATUS,
  });
  // The shared runner parses the body, so JSON errors are the same 422 on both apps.
  const rawBody = express.text({ type: () => true, limit: MAX_BODY_BYTES });

  for (const route of ctx.routes) {
    // Validation runs before the cache, so only requests the handler accepts reach the cache.
    const prepare: RequestHandler = async (req, res, next) => {
      const prepared = await prepareRoute(ctx, route, {
        params: req.params as Record<string, string>,
        // Express's own parse, the one @kit/cache's adapter reads: splitting the URL on `?`
        // would stop at a second `?` and validate another query than the one keyed.
        query: req.query as Record<string, unknown>,
        body: typeof req.body === 'string' ? req.body : undefined,
        contentType: req.get('content-type'),
        authorization: req.get('authorization'),
        cookie: req.get('cookie'),
      });
      if (!prepared.ok) return send(res, prepared.response);
      res.locals.input = prepared.input;
      next();
    };
    const chain: RequestHandler[] = [];
    const { headers } = route;
    if (headers) {
      chain.push((_req, res, next) => {
        res.set(headers);
        next();
      });
    }
    if (route.rateLimited) chain.push(limit);
    chain.push(rawBody);
    if (route.loginLimited) chain.push(loginLimit);
    chain.push(prepare);
    if (route.cache) chain.push(cache(ctx.cache, route.cache));
    app[route.method](route.path, ...chain, async (_req, res) => {
      send(res, await executeRoute(ctx, route, res.locals.input as RouteInput));
    });
  }

  const docs = docsRoutes(ctx);
  for (const route of docs) {
    app.get(route.path, async (req, res, next) => {
      const reply = await route.handle({
        authorization: req.get('authorization'),
        params: req.params as Record<string, string>,
      });
      if (!reply) return next();
      res.status(reply.status).set(reply.headers).send(reply.body);
    });
  }

  // A known path with another method: 405 with `Allow`. Express matches each pattern here as it
  // matched the routes above, so `Allow` is the union of every pattern the path fits.
  for (const [path, methods] of methodsByPath([...ctx.routes, ...docs.map(asGet)])) {
    app.all(path, (_req, res, next) => {
      const allowed: Set<string> = res.locals.allowed ?? new Set();
      for (const method of methods) allowed.add(method);
      res.locals.allowed = allowed;
      next();
    });
  }
  app.use((req, res) => {
    const allowed = res.locals.allowed as Set<string> | undefined;
    if (allowed && !isAllowed(req.method, allowed)) send(res, methodNotAllowedResponse(allowed));
    else send(res, notFoundResponse());
  });
  // Body-parser errors (too large, bad charset) and anything unexpected: JSON, never HTML.
  app.use(((error, _req, res, _next) => {
    send(res, errorResponse(error, ctx.logger));
  }) as express.ErrorRequestHandler);
  return app;
}
