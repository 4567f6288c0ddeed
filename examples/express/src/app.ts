import { cache } from '@kit/cache/express';
import {
  type ApiResponse,
  type AppContext,
  errorResponse,
  executeRoute,
  notFoundResponse,
  prepareRoute,
  type RouteInput,
  swaggerAsset,
  swaggerHtml,
} from '@kit/example-shared';
import { rateLimit } from '@kit/rate-limiter/express';
import express, { type Request, type RequestHandler, type Response } from 'express';

/** The route's JSON answer, with any headers it carries (e.g. `WWW-Authenticate`). */
function send(res: Response, response: ApiResponse): void {
  res.status(response.status).set(response.headers).json(response.body);
}

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
    trustProxy: ctx.settings.TRUST_PROXY,
  });
  // The shared runner parses the body, so JSON errors are the same 422 on both apps.
  const rawBody = express.text({ type: () => true, limit: '256kb' });

  for (const route of ctx.routes) {
    // Validation runs before the cache, so only requests the handler accepts reach the cache.
    const prepare: RequestHandler = async (req, res, next) => {
      const prepared = await prepareRoute(ctx, route, {
        params: req.params as Record<string, string>,
        search: req.originalUrl.split('?')[1] ?? '',
        body: typeof req.body === 'string' ? req.body : undefined,
        contentType: req.get('content-type'),
        authorization: req.get('authorization'),
      });
      if (!prepared.ok) return send(res, prepared.response);
      res.locals.input = prepared.input;
      next();
    };
    const chain: RequestHandler[] = [];
    if (route.rateLimited) chain.push(limit);
    chain.push(rawBody, prepare);
    if (route.cache) chain.push(cache(ctx.cache, route.cache));
    app[route.method](route.path, ...chain, async (_req, res) => {
      send(res, await executeRoute(ctx, route, res.locals.input as RouteInput));
    });
  }

  app.get('/openapi.json', (_req, res) => {
    res.json(ctx.openapi);
  });
  app.get('/docs', (_req, res) => {
    res.type('html').send(swaggerHtml());
  });
  app.get('/docs/:file', async (req, res, next) => {
    const asset = await swaggerAsset(req.params.file);
    if (!asset) return next();
    res.type(asset.contentType).set('Cache-Control', 'public, max-age=86400').send(asset.body);
  });

  app.use((_req, res) => send(res, notFoundResponse()));
  // Body-parser errors (too large, bad charset) and anything unexpected: JSON, never HTML.
  app.use(((error, _req, res, _next) => {
    send(res, errorResponse(error, ctx.logger));
  }) as express.ErrorRequestHandler);
  return app;
}
