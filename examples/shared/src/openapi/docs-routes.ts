import type { AppContext } from '../context.js';
import { errorResponse } from '../http/run-route.js';
import { redocHtml } from './redoc.js';
import { swaggerAsset, swaggerHtml } from './swagger-ui.js';

/** What a docs route answers: a page, an asset or the OpenAPI document, never a route's JSON. */
export interface DocsReply {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** One GET route of the documentation, framework-free like the API routes. */
export interface DocsRoute {
  /** Express/Hono syntax. */
  path: string;
  /** The answer, or `null` when nothing is there (an unknown asset): the app's 404. */
  handle(request: {
    authorization: string | undefined;
    params: Record<string, string>;
  }): Promise<DocsReply | null>;
}

const HTML = 'text/html; charset=utf-8';

/**
 * The documentation routes as the original's `ENVIRONMENT` has them: `local` serves `/docs`,
 * `/redoc` and `/openapi.json` to anyone, `staging` to superusers only (a bearer token, as the
 * original's `get_current_superuser` dependency), `production` not at all (none registered, so
 * they are 404 like any unknown path). The Swagger UI assets under `/docs/` follow the page.
 */
export function docsRoutes(ctx: AppContext): DocsRoute[] {
  const environment = ctx.settings.ENVIRONMENT;
  if (environment === 'production') return [];
  const guarded =
    (serve: (params: Record<string, string>) => Promise<DocsReply | null>): DocsRoute['handle'] =>
    async ({ authorization, params }) => {
      if (environment === 'staging') {
        try {
          await ctx.auth.requireSuperuser(authorization);
        } catch (error) {
          const response = errorResponse(error, ctx.logger);
          return {
            status: response.status,
            headers: { ...response.headers, 'Content-Type': 'application/json' },
            body: JSON.stringify(response.body),
          };
        }
      }
      return serve(params);
    };
  // Behind a login the pages are private: no shared cache may keep them.
  const caching = environment === 'staging' ? 'private, no-store' : 'public, max-age=86400';
  return [
    {
      path: '/openapi.json',
      handle: guarded(async () => ({
        status: 200,
        headers: { 'Content-Type': 'application/json; charset=utf-8' },
        body: JSON.stringify(ctx.openapi),
      })),
    },
    {
      path: '/docs',
      handle: guarded(async () => ({
        status: 200,
        headers: { 'Content-Type': HTML },
        body: swaggerHtml(),
      })),
    },
    {
      path: '/redoc',
      handle: guarded(async () => ({
        status: 200,
        headers: { 'Content-Type': HTML },
        body: redocHtml(ctx.settings.APP_NAME),
      })),
    },
    {
      path: '/docs/:file',
      handle: guarded(async (params) => {
        const asset = await swaggerAsset(params.file ?? '');
        if (!asset) return null;
        return {
          status: 200,
          headers: { 'Content-Type': asset.contentType, 'Cache-Control': caching },
          body: asset.body,
        };
      }),
    },
  ];
}
