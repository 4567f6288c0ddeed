import { type Logger, pickLogger } from '@kit/internal';
import type { CheckInput, RateLimiter, RateLimitResult } from './types.js';

/**
 * The key of a limiter's `check` that answers without a promise when the answer is at hand (an
 * in-process store, a caller already blocked): adapters then call `next()` in the same turn,
 * with no promise made or awaited. Private to the package; `Symbol.for`, so the ESM and CJS
 * builds agree on it.
 */
export const CHECK_NOW: unique symbol = Symbol.for('@kit/rate-limiter/check-now') as never;

type CheckNow = (input: CheckInput) => RateLimitResult | Promise<RateLimitResult>;

/** The key of a limiter's logger, which its middleware logs to as well. Private, like CHECK_NOW. */
export const LIMITER_LOGGER: unique symbol = Symbol.for('@kit/rate-limiter/logger') as never;

/** Gives `limiter` its synchronous-when-possible check and its logger (non-enumerable). */
export function withCheckNow(
  limiter: RateLimiter,
  checkNow: CheckNow,
  logger: Logger,
): RateLimiter {
  Object.defineProperty(limiter, CHECK_NOW, { value: checkNow });
  Object.defineProperty(limiter, LIMITER_LOGGER, { value: logger });
  return limiter;
}

/** The limiter's logger; the console line logger for any other `RateLimiter`. */
export function loggerOf(limiter: RateLimiter): Logger {
  return (limiter as { [LIMITER_LOGGER]?: Logger })[LIMITER_LOGGER] ?? pickLogger(undefined);
}

/**
 * The limiter's synchronous-when-possible check; for any other `RateLimiter` (a wrapper an app
 * wrote), its `check`, as a native promise. Either may throw for a malformed input.
 */
export function checkNowOf(limiter: RateLimiter): CheckNow {
  const own = (limiter as { [CHECK_NOW]?: CheckNow })[CHECK_NOW];
  return own ?? ((input) => Promise.resolve(limiter.check(input)));
}
