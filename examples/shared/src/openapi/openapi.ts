import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { ZodObject } from 'zod';
import type { ApiRoute } from '../http/route.js';
import { errorDetail } from '../http/schemas.js';

/** OpenAPI's `info` object: title and version required, the rest as the settings give them. */
export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
  contact?: { name?: string; email?: string };
  license?: { name: string };
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorDetail } },
});

/** Response headers, each a string: a fixed value (`no-store`) or a description. */
function documentedHeaders(headers: Record<string, string>) {
  return Object.fromEntries(
    Object.entries(headers).map(([name, text]) => [
      name,
      { description: text, schema: { type: 'string' } },
    ]),
  );
}

/**
 * The OpenAPI 3.1 document of the routes, generated from the same zod schemas that validate the
 * requests, with the OAuth2 password flow so Swagger UI's "Authorize" logs in through /login.
 */
export function buildOpenApiDocument(
  routes: readonly ApiRoute[],
  info: OpenApiInfo = { title: 'Kit example API', version: '0.1.0' },
): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'OAuth2PasswordBearer', {
    type: 'oauth2',
    flows: { password: { tokenUrl: '/api/v1/login', scopes: {} } },
  });

  for (const route of routes) {
    const secured = route.access !== 'public' || route.rateLimited;
    const headers = { ...route.headers, ...route.docs?.headers };
    const responses: Record<string, unknown> = {
      [route.status ?? 200]: {
        description: 'Successful Response',
        content: { 'application/json': { schema: route.response } },
        ...(Object.keys(headers).length > 0 ? { headers: documentedHeaders(headers) } : {}),
      },
      422: errorResponse('Validation Error'),
    };
    if (route.access !== 'public') responses[401] = errorResponse('Not authenticated');
    if (route.access !== 'public') responses[403] = errorResponse('Not enough privileges');
    if (route.rateLimited) responses[429] = errorResponse('Rate limit exceeded');
    for (const [status, description] of Object.entries(route.docs?.responses ?? {})) {
      responses[status] = errorResponse(description);
    }

    registry.registerPath({
      method: route.method,
      path: route.path.replace(/:(\w+)/g, '{$1}'),
      summary: route.summary,
      tags: [route.tag],
      ...(secured ? { security: [{ [bearer.name]: [] }] } : {}),
      request: {
        ...(route.params ? { params: route.params as ZodObject } : {}),
        ...(route.query ? { query: route.query as ZodObject } : {}),
        ...(route.docs?.cookies ? { cookies: route.docs.cookies } : {}),
        ...(route.body
          ? { body: { required: true, content: { 'application/json': { schema: route.body } } } }
          : {}),
        ...(route.form
          ? {
              body: {
                required: true,
                content: { 'application/x-www-form-urlencoded': { schema: route.form } },
              },
            }
          : {}),
      },
      responses: responses as never,
    });
  }

  const generator = new OpenApiGeneratorV31(registry.definitions);
  return generator.generateDocument({
    openapi: '3.1.0',
    info: { ...info },
  }) as unknown as Record<string, unknown>;
}
