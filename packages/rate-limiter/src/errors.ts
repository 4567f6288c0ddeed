import { optionMessage } from '@kit/internal';

/** Stable error codes, safe to match on in application code. */
export type RateLimiterErrorCode =
  /** An option passed to a factory is missing, of the wrong type or out of range. */
  | 'E_INVALID_OPTION'
  /** A call got an argument it cannot use (`check({ path: 5 })`, a cost of 0). */
  | 'E_INVALID_ARGUMENT'
  /** `resolveRule` returned something that is not `{ limit, period }` or `null`. */
  | 'E_INVALID_RULE'
  /** The store could not be reached (disconnected client, refused command). */
  | 'E_STORE_UNAVAILABLE'
  /** The store did not answer within `storeTimeout`. */
  | 'E_STORE_TIMEOUT'
  /** `resolveRule` threw or rejected. */
  | 'E_RULE_LOOKUP_FAILED'
  /** `resolveRule` did not answer within `ruleTimeout`. */
  | 'E_RULE_LOOKUP_TIMEOUT';

/**
 * The one error class thrown (or logged) by `@kit/rate-limiter`. Messages start with
 * `[@kit/rate-limiter]`, then `[<store>]` when a store raised it; `code` is stable. A denial is
 * never an error: it is a result with `allowed: false`.
 *
 * @example
 * try {
 *   createRateLimiter({ store: undefined as never });
 * } catch (err) {
 *   if (err instanceof RateLimiterError && err.code === 'E_INVALID_OPTION') console.error(err.option);
 * }
 */
export class RateLimiterError extends Error {
  override readonly name = 'RateLimiterError';
  readonly code: RateLimiterErrorCode;
  /** The option at fault, for `E_INVALID_OPTION`. */
  readonly option: string | undefined;

  constructor(
    code: RateLimiterErrorCode,
    message: string,
    options: { cause?: unknown; option?: string; scope?: string } = {},
  ) {
    const scope = options.scope ? ` [${options.scope}]` : '';
    super(`[@kit/rate-limiter]${scope} ${message}`, { cause: options.cause });
    this.code = code;
    this.option = options.option;
  }
}

/**
 * An option failed validation when a factory ran: ``option `x` must be ... (got 5)``.
 * `scope` names the store whose factory checked it.
 */
export function invalidOption(
  option: string,
  problem: string,
  details: { value?: unknown; scope?: string } = {},
): RateLimiterError {
  return new RateLimiterError('E_INVALID_OPTION', optionMessage(option, problem, details), {
    option,
    scope: details.scope,
  });
}
