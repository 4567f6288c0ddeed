import type { StoreResult } from '../types.js';

/**
 * A script's answer as a StoreResult: `{allowed, remaining, resetAt, retryAfterMs, at}` from the
 * one-window scripts, `{allowed, remaining, resetAt, retryAfterMs, window, at}` from the
 * several-window ones.
 */
export function replyToResult(reply: unknown): StoreResult {
  const r = reply as number[];
  const several = r.length === 6;
  return {
    allowed: r[0] === 1,
    remaining: r[1]!,
    resetAt: r[2]!,
    retryAfterMs: r[3]!,
    window: several ? r[4]! : 0,
    at: several ? r[5]! : r[4]!,
  };
}
