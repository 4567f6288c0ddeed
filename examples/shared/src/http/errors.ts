import type { z } from 'zod';

/** One entry of a 422 `detail` list, in FastAPI's shape. */
export interface FieldError {
  type: string;
  loc: (string | number)[];
  msg: string;
  input?: unknown;
}

/** An error that becomes an HTTP response with a JSON `{"detail": ...}` body. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly detail: string | FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof detail === 'string' ? detail : 'Validation error');
  }
}

export const notFound = (thing: string) => new HttpError(404, `${thing} not found`);
export const duplicate = (detail: string) => new HttpError(400, detail);
export const forbidden = () => new HttpError(403, "The user doesn't have enough privileges");
export const unauthorized = (detail = 'User not authenticated.') =>
  new HttpError(401, detail, { 'WWW-Authenticate': 'Bearer' });

/** A 422 from the issues of a zod error, each located under `location` (body, query, path). */
export function validationError(location: string, error: z.ZodError, input: unknown): HttpError {
  return new HttpError(
    422,
    error.issues.flatMap((issue) => toFieldErrors(location, issue, input)),
  );
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

function toFieldErrors(location: string, issue: z.core.$ZodIssue, input: unknown): FieldError[] {
  const loc = [
    location,
    ...issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part)),
  ];
  if (issue.code === 'unrecognized_keys') {
    // One entry per unknown field, located at that field, as FastAPI's extra="forbid" does.
    return issue.keys.map((key) => ({
      type: 'extra_forbidden',
      loc: [...loc, key],
      msg: 'Extra inputs are not permitted',
    }));
  }
  const missing = issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined;
  const type = missing ? 'missing' : issue.code;
  const msg = type === 'missing' ? 'Field required' : issue.message;
  return [{ type, loc, msg }];
}

/** The 422 for a body that is not valid JSON (or not the content type the route takes). */
export function malformedBody(message: string): HttpError {
  return new HttpError(422, [{ type: 'json_invalid', loc: ['body'], msg: message }]);
}
