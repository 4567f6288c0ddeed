import { cache } from '@kit/cache/hono';
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
import { rateLimit } from '@kit/rate-limiter/hono';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/** The route's JSON answer, with any headers it carries (e.g. `WWW-Authenticate`). */
function send(c: Context, response: ApiResponse): Response {
  return c.json(response.body as object, response.status as 200, response.headers);
}

const BODY_LIMIT = 256 * 1024;

/**
 * The example API on Hono 4: every route of `ctx.routes`, each behind the `@kit/rate-limiter`
 * and `@kit/cache` middleware it asks for; validation, services and errors live in the context.
 *
 * @example
 * const app = createHonoApp(await createAppContext());
 * serve({ fetch: app.fetch, port: 8000 });
 */
export function createHonoApp(ctx: AppContext): Hono {
  // Not strict, like Express: `/user/me` and `/user/me/` are one route.
  const app = new Hono({ strict: false });

  const limit = rateLimit({
    limiter: ctx.limiter,
    identify: (c: Context) => ctx.auth.identify(c.req.header('authorization')),
    trustProxy: ctx.settings.TRUST_PROXY,
  });
  const sizeLimit = bodyLimit({
    maxSize: BODY_LIMIT,
    // The rest of the body stays unread: close the connection so the client cannot reuse it.
    onError: (c) => c.json({ detail: 'Request body too large' }, 413, { Connection: 'close' }),
  });

  // Validated input per request, from the prepare step to the handler.
  const inputs = new WeakMap<Request, RouteInput>();

  for (const route of ctx.routes) {
    // Validation runs before the cache, so only requests the handler accepts reach the cache.
    const prepare: MiddlewareHandler = async (c, next) => {
      const url = c.req.url;
      const query = url.indexOf('?');
      const prepared = await prepareRoute(ctx, route, {
        params: c.req.param() as Record<string, string>,
        search: query === -1 ? '' : url.slice(query + 1),
        body: route.body || route.form ? await c.req.text() : undefined,
        contentType: c.req.header('content-type'),
        authorization: c.req.header('authorization'),
      });
      if (!prepared.ok) return send(c, prepared.response);
      inputs.set(c.req.raw, prepared.input);
      await next();
    };
    const chain: MiddlewareHandler[] = [];
    if (route.rateLimited) chain.push(limit);
    if (route.body || route.form) chain.push(sizeLimit);
    chain.push(prepare);
    if (route.cache) chain.push(cache(ctx.cache, route.cache));
    // Non-strict Hono drops the request's trailing slash, so the pattern must not have one.
    const path = route.path.replace(/(.)\/$/, '$1');
    app.on(route.method.toUpperCase(), [path], ...chain, async (c: Context) =>
      send(c, await executeRoute(ctx, route, inputs.get(c.req.raw)!)),
    );
  }

  app.get('/openapi.json', (c) => c.json(ctx.openapi));
  app.get('/docs', (c) => c.html(swaggerHtml()));
  app.get('/docs/:file', async (c) => {
    const asset = await swaggerAsset(c.req.param('file'));
    if (!asset) return send(c, notFoundResponse());
    return c.body(new Uint8Array(asset.body), 200, {
      'Content-Type': asset.contentType,
      'Cache-Control': 'public, max-age=86400',
    });
  });

  app.notFound((c) => send(c, notFoundResponse()));
  app.onError((error, c) => send(c, errorResponse(error, ctx.logger)));
  return app;
}
