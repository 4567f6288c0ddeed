import type { AppContext } from '../context.js';
import { throttleOf } from '../faults/log-throttle.js';
import { outageKind, serviceUnavailableResponse } from '../faults/unavailable.js';
import type { Logger } from '../logger.js';
import { assertJsonDepth, rejectNul } from './bounded-input.js';
import { isClientGone } from './client-gone.js';
import { parseCookies } from './cookies.js';
import { HttpError, malformedBody, validationError } from './errors.js';
import {
  type ApiResponse,
  type ApiRoute,
  type RawRequest,
  Reply,
  type RouteInput,
} from './route.js';

/** A request that passed access and validation, ready for {@link executeRoute}. */
export type PreparedRequest =
  | { ok: true; input: RouteInput }
  | { ok: false; response: ApiResponse };

/**
 * Checks access and validates a raw request against the route. The apps run this BEFORE the
 * cache middleware, so a request the handler would refuse can neither be answered from the cache
 * nor be stored under another request's key.
 */
export async function prepareRoute(
  ctx: AppContext,
  route: ApiRoute,
  request: RawRequest,
): Promise<PreparedRequest> {
  try {
    const user =
      route.access === 'superuser'
        ? await ctx.auth.requireSuperuser(request.authorization)
        : route.access === 'user'
          ? await ctx.auth.requireUser(request.authorization)
          : undefined;
    const params = parse('path', route.params, request.params);
    const query = parse('query', route.query, firstValues(request.query));
    const body = route.body
      ? parse('body', route.body, readJson(request))
      : route.form
        ? parse('body', route.form, readForm(request))
        : undefined;
    const { authorization } = request;
    const cookies = parseCookies(request.cookie);
    return { ok: true, input: { params, query, body, user: user!, cookies, authorization } };
  } catch (error) {
    return { ok: false, response: errorResponse(error, ctx.logger) };
  }
}

/** Runs the handler of a prepared request and maps any failure to a JSON response. */
export async function executeRoute(
  ctx: AppContext,
  route: ApiRoute,
  input: RouteInput,
): Promise<ApiResponse> {
  try {
    const result = await route.handle(ctx, input);
    const status = route.status ?? 200;
    if (result instanceof Reply)
      return { status, body: result.body, headers: { ...result.headers } };
    return { status, body: result, headers: {} };
  } catch (error) {
    return errorResponse(error, ctx.logger);
  }
}

/** {@link prepareRoute} then {@link executeRoute}, for routes without cache middleware between. */
export async function runRoute(
  ctx: AppContext,
  route: ApiRoute,
  request: RawRequest,
): Promise<ApiResponse> {
  const prepared = await prepareRoute(ctx, route, request);
  return prepared.ok ? executeRoute(ctx, route, prepared.input) : prepared.response;
}

/**
 * The first value of each parameter of the framework's own parsed query: the very object
 * `@kit/cache` checks its key against, so the handler and the cache never read two queries.
 */
function firstValues(query: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(query)) {
    values[name] = Array.isArray(value) ? value[0] : value;
  }
  return values;
}

function parse(location: string, schema: ApiRoute['params'], input: unknown): unknown {
  rejectNul(location, input);
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
  assertJsonDepth(request.body);
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
 * encoding) with its own message, an outage of the database or Redis a 503 with `Retry-After`,
 * anything else a logged 500 that reveals nothing.
 */
export function errorResponse(error: unknown, logger: Logger): ApiResponse {
  if (error instanceof HttpError) {
    return { status: error.status, body: { detail: error.detail }, headers: { ...error.headers } };
  }
  if (isClientGone(error)) {
    // Nobody is left to read the answer: a line for debugging, not an error.
    logger.debug({ err: error }, 'client closed the connection before the request was read');
    return { status: 400, body: { detail: 'Client closed the request' }, headers: {} };
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
  const outage = outageKind(error);
  if (outage !== null) {
    throttleOf(logger).log(logger, 'error', outage, { err: error }, 'dependency unavailable: 503');
    return serviceUnavailableResponse();
  }
  // Throttled too: a bug that fails every request must not fill the disk with stacks.
  const kind = `500 ${(error as Error)?.name}: ${String((error as Error)?.message).slice(0, 80)}`;
  throttleOf(logger).log(logger, 'error', kind, { err: error }, 'unhandled error');
  return { status: 500, body: { detail: 'Internal Server Error' }, headers: {} };
}

/** The answer for a path no route matches, as FastAPI gives it. */
export const notFoundResponse = (): ApiResponse => ({
  status: 404,
  body: { detail: 'Not Found' },
  headers: {},
});
