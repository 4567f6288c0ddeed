/** Stable error codes, safe to match on in application code. */
export type RateLimiterErrorCode =
  | 'E_INVALID_OPTION'
  | 'E_INVALID_ARGUMENT'
  | 'E_INVALID_RULE'
  | 'E_STORE_UNAVAILABLE'
  | 'E_STORE_TIMEOUT'
  | 'E_RULE_LOOKUP_FAILED'
  | 'E_RULE_LOOKUP_TIMEOUT';

/**
 * The one error class thrown (or logged) by `@kit/rate-limiter`. A denial is never an error:
 * it is a result with `allowed: false`.
 *
 * @example
 * try {
 *   createRateLimiter({ store: undefined as never });
 * } catch (err) {
 *   if (err instanceof RateLimiterError && err.code === 'E_INVALID_OPTION') console.error(err.message);
 * }
 */
export class RateLimiterError extends Error {
  override readonly name = 'RateLimiterError';
  readonly code: RateLimiterErrorCode;

  constructor(code: RateLimiterErrorCode, message: string, options?: { cause?: unknown }) {
    super(`[@kit/rate-limiter] ${message}`, options);
    this.code = code;
  }
}

/** An option failed validation when a factory ran. */
export function invalidOption(option: string, problem: string, value?: unknown): RateLimiterError {
  const shown = value === undefined ? '' : ` (got ${describe(value)})`;
  return new RateLimiterError('E_INVALID_OPTION', `option \`${option}\` ${problem}${shown}`);
}

/** A short, safe rendering of a bad value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'function') return 'a function';
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
