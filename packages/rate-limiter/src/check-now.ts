import type { CheckInput, RateLimiter, RateLimitResult } from './types.js';

/**
 * The key of a limiter's `check` that answers without a promise when the answer is at hand (an
 * in-process store, a caller already blocked): adapters then call `next()` in the same turn,
 * with no promise made or awaited. Private to the package; `Symbol.for`, so the ESM and CJS
 * builds agree on it.
 */
export const CHECK_NOW: unique symbol = Symbol.for('@kit/rate-limiter/check-now') as never;

type CheckNow = (input: CheckInput) => RateLimitResult | Promise<RateLimitResult>;

/** Gives `limiter` its synchronous-when-possible check (non-enumerable, outside its type). */
export function withCheckNow(limiter: RateLimiter, checkNow: CheckNow): RateLimiter {
  Object.defineProperty(limiter, CHECK_NOW, { value: checkNow });
  return limiter;
}

/**
 * The limiter's synchronous-when-possible check; for any other `RateLimiter` (a wrapper an app
 * wrote), its `check`, as a native promise. Either may throw for a malformed input.
 */
export function checkNowOf(limiter: RateLimiter): CheckNow {
  const own = (limiter as { [CHECK_NOW]?: CheckNow })[CHECK_NOW];
  return own ?? ((input) => Promise.resolve(limiter.check(input)));
}
