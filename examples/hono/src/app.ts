import { cache } from '@kit/cache/hono';
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
import { rateLimit } from '@kit/rate-limiter/hono';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/** The route's JSON answer, with any headers it carries (e.g. `WWW-Authenticate`). */
function send(c: Context, response: ApiResponse): Response {
  return c.json(response.body as object, response.status as 200, response.headers);
}

const asGet = (route: { path: string }) => ({ method: 'get', path: route.path });

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
    // identify() throws only when the user store is down: answer 503 rather than charge
    // logged-in users to the anonymous IP bucket for the length of the outage.
    onIdentifyError: 'deny',
    trustProxy: ctx.settings.TRUST_PROXY,
  });
  // Keyed by the submitted account: `readBody` reads the form before it (Hono keeps the text).
  const loginBodies = new WeakMap<Request, string>();
  const readBody: MiddlewareHandler = async (c, next) => {
    loginBodies.set(c.req.raw, await c.req.text());
    await next();
  };
  const loginLimit = rateLimit({
    ...loginRateLimitOptions(ctx.loginLimiter, ctx.settings),
    scope: (c: Context) => loginScope(loginBodies.get(c.req.raw)),
    requestWasSuccessful: (c: Context) => c.res.status !== FAILED_LOGIN_STATUS,
  });
  const sizeLimit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    // The rest of the body stays unread: close the connection so the client cannot reuse it.
    onError: (c) => c.json({ detail: 'Request body too large' }, 413, { Connection: 'close' }),
  });

  // Validated input per request, from the prepare step to the handler.
  const inputs = new WeakMap<Request, RouteInput>();

  for (const route of ctx.routes) {
    // Validation runs before the cache, so only requests the handler accepts reach the cache.
    const prepare: MiddlewareHandler = async (c, next) => {
      const prepared = await prepareRoute(ctx, route, {
        params: c.req.param() as Record<string, string>,
        // Hono's own parse (first values), as @kit/cache's adapter reads each name.
        query: c.req.query(),
        body: route.body || route.form ? await c.req.text() : undefined,
        contentType: c.req.header('content-type'),
        authorization: c.req.header('authorization'),
        cookie: c.req.header('cookie'),
      });
      if (!prepared.ok) return send(c, prepared.response);
      inputs.set(c.req.raw, prepared.input);
      await next();
    };
    const chain: MiddlewareHandler[] = [];
    const { headers } = route;
    if (headers) {
      chain.push(async (c, next) => {
        for (const [name, value] of Object.entries(headers)) c.header(name, value);
        await next();
      });
    }
    if (route.rateLimited) chain.push(limit);
    if (route.body || route.form) chain.push(sizeLimit);
    if (route.loginLimited) chain.push(readBody, loginLimit);
    chain.push(prepare);
    if (route.cache) chain.push(cache(ctx.cache, route.cache));
    // Non-strict Hono drops the request's trailing slash, so the pattern must not have one.
    const path = route.path.replace(/(.)\/$/, '$1');
    app.on(route.method.toUpperCase(), [path], ...chain, async (c: Context) =>
      send(c, await executeRoute(ctx, route, inputs.get(c.req.raw)!)),
    );
  }

  const docs = docsRoutes(ctx);
  for (const route of docs) {
    app.get(route.path, async (c) => {
      const reply = await route.handle({
        authorization: c.req.header('authorization'),
        params: c.req.param() as Record<string, string>,
      });
      if (!reply) return send(c, notFoundResponse());
      const body = typeof reply.body === 'string' ? reply.body : new Uint8Array(reply.body);
      return c.body(body, reply.status as 200, reply.headers);
    });
  }

  // A known path with another method: 405 with `Allow`. Hono runs every handler whose pattern
  // fits the path, in order, so these collect the methods of all of them, then fall through to
  // `notFound`, which decides between 404 and 405.
  const allowedOf = new WeakMap<Request, Set<string>>();
  for (const [path, methods] of methodsByPath([...ctx.routes, ...docs.map(asGet)])) {
    app.all(path.replace(/(.)\/$/, '$1'), async (c, next) => {
      const allowed = allowedOf.get(c.req.raw) ?? new Set<string>();
      for (const method of methods) allowed.add(method);
      allowedOf.set(c.req.raw, allowed);
      await next();
    });
  }
  app.notFound((c) => {
    const allowed = allowedOf.get(c.req.raw);
    if (allowed && !isAllowed(c.req.method, allowed)) {
      return send(c, methodNotAllowedResponse(allowed));
    }
    return send(c, notFoundResponse());
  });
  app.onError((error, c) => send(c, errorResponse(error, ctx.logger)));
  return app;
}
