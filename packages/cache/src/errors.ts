import { optionMessage } from '@kit/internal';

/** Stable error codes: match on `error.code`, never on the message. */
export type CacheErrorCode =
  /** An option passed to a factory is missing, of the wrong type or out of range. */
  | 'E_INVALID_OPTION'
  /** The store could not be reached (disconnected client, refused command). */
  | 'E_STORE_UNAVAILABLE'
  /** The store did not answer within the configured `timeout`. */
  | 'E_STORE_TIMEOUT'
  /** A key template placeholder has no value in the request's parameters. */
  | 'E_MISSING_PARAM'
  /** No resource id could be read or inferred from the request's parameters. */
  | 'E_RESOURCE_ID'
  /**
   * A parameter the key needs is empty, repeated or structured (`?page=`, `?page=1&page=2`),
   * so a key built from it might not match what the handler reads: the request is served
   * uncached.
   */
  | 'E_AMBIGUOUS_PARAM'
  /** A route declared for invalidation received a read request, or the reverse. */
  | 'E_ROUTE_MISUSE';

/**
 * The one error class of `@kit/cache`. Messages start with `[@kit/cache]`, then `[<store>]`
 * when a store raised it; `code` is stable.
 *
 * @example
 * ```ts
 * try {
 *   createCache({ store: memoryStore(), timeout: -1 });
 * } catch (error) {
 *   if (error instanceof CacheError && error.code === 'E_INVALID_OPTION') console.error(error.option);
 * }
 * ```
 */
export class CacheError extends Error {
  override readonly name = 'CacheError';
  readonly code: CacheErrorCode;
  /** The option at fault, for `E_INVALID_OPTION`. */
  readonly option: string | undefined;

  constructor(
    code: CacheErrorCode,
    message: string,
    options: { cause?: unknown; option?: string; scope?: string } = {},
  ) {
    const scope = options.scope ? ` [${options.scope}]` : '';
    super(`[@kit/cache]${scope} ${message}`, { cause: options.cause });
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
): CacheError {
  return new CacheError('E_INVALID_OPTION', optionMessage(option, problem, details), {
    option,
    scope: details.scope,
  });
}
