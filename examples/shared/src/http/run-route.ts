import type { AppContext } from '../context.js';
import type { Logger } from '../logger.js';
import { HttpError, malformedBody, validationError } from './errors.js';
import type { ApiResponse, ApiRoute, RawRequest } from './route.js';

/**
 * Validates a raw request against the route, checks access, runs the handler and maps every
 * failure to a JSON `{"detail": ...}` response: the one place both apps share request handling.
 */
export async function runRoute(
  ctx: AppContext,
  route: ApiRoute,
  request: RawRequest,
): Promise<ApiResponse> {
  try {
    const user =
      route.access === 'superuser'
        ? await ctx.auth.requireSuperuser(request.authorization)
        : route.access === 'user'
          ? await ctx.auth.requireUser(request.authorization)
          : undefined;
    const params = parse('path', route.params, request.params);
    const query = parse(
      'query',
      route.query,
      Object.fromEntries(new URLSearchParams(request.search)),
    );
    const body = route.body
      ? parse('body', route.body, readJson(request))
      : route.form
        ? parse('body', route.form, readForm(request))
        : undefined;
    const result = await route.handle(ctx, { params, query, body, user: user! });
    return { status: route.status ?? 200, body: result, headers: {} };
  } catch (error) {
    return errorResponse(error, ctx.logger);
  }
}

function parse(location: string, schema: ApiRoute['params'], input: unknown): unknown {
  if (!schema) return input;
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(location, result.error, input);
  return result.data;
}

function readJson(request: RawRequest): unknown {
  if (request.body === undefined || request.body === '') return undefined;
  const type = request.contentType?.toLowerCase() ?? 'application/json';
  if (!type.includes('json')) {
    throw malformedBody('Expected a JSON body (Content-Type: application/json)');
  }
  try {
    return JSON.parse(request.body);
  } catch (error) {
    throw malformedBody(`JSON decode error: ${(error as Error).message}`);
  }
}

function readForm(request: RawRequest): unknown {
  const type = request.contentType?.toLowerCase() ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) {
    throw new HttpError(422, [
      {
        type: 'form_invalid',
        loc: ['body'],
        msg: 'Expected a form body (Content-Type: application/x-www-form-urlencoded)',
      },
    ]);
  }
  return Object.fromEntries(new URLSearchParams(request.body ?? ''));
}

/**
 * Any error as a JSON response: HttpError as declared, a framework's 4xx (body too large, bad
 * encoding) with its own message, anything else a logged 500 that reveals nothing.
 */
export function errorResponse(error: unknown, logger: Logger): ApiResponse {
  if (error instanceof HttpError) {
    return { status: error.status, body: { detail: error.detail }, headers: { ...error.headers } };
  }
  const status =
    (error as { status?: unknown; statusCode?: unknown })?.status ??
    (error as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if ((error as { type?: string }).type === 'entity.parse.failed') {
      const { body } = errorResponse(malformedBody('JSON decode error'), logger);
      return { status: 422, body, headers: {} };
    }
    return { status, body: { detail: (error as Error).message || 'Bad Request' }, headers: {} };
  }
  logger.error({ err: error }, 'unhandled error');
  return { status: 500, body: { detail: 'Internal Server Error' }, headers: {} };
}

/** The answer for a path no route matches, as FastAPI gives it. */
export const notFoundResponse = (): ApiResponse => ({
  status: 404,
  body: { detail: 'Not Found' },
  headers: {},
});
