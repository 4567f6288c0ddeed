import type { StoreResult } from '../types.js';
import type { SlotHint, SlotTable } from './slot-table.js';

/**
 * One window of one algorithm: counts `cost` under `key` if it fits in `limit` per `periodMs`
 * (not when `dryRun`), and answers for that window alone (`window` 0, `at` = `now`). Plain
 * arguments rather than the request, so a multi-window check runs it once per window.
 */
export type Step = (
  table: SlotTable,
  key: string,
  limit: number,
  periodMs: number,
  cost: number,
  now: number,
  dryRun: boolean,
  hint?: SlotHint,
) => StoreResult;

// Float slack for the sliding-window weight and the token bucket; the Lua scripts use the same.
const EPSILON = 1e-9;

function result(
  allowed: boolean,
  remaining: number,
  resetAt: number,
  retryAfterMs: number,
  at: number,
): StoreResult {
  return { allowed, remaining, resetAt, retryAfterMs, window: 0, at };
}

/**
 * Fixed window aligned to the epoch (`window_start = now - now % period`), as on Redis.
 * Slot: `a` = count, `expiresAt` = window end (which also identifies the window).
 */
export const fixedWindow: Step = (table, key, limit, periodMs, cost, now, dryRun, hint) => {
  const end = now - (now % periodMs) + periodMs;
  let slot = table.find(key, hint);
  const count = slot !== -1 && table.expiresAt[slot] === end ? table.a[slot]! : 0;
  // Math.max: a rule lowered below the window's usage leaves nothing, not a negative count.
  if (count + cost > limit) return result(false, Math.max(0, limit - count), end, end - now, now);
  if (dryRun) return result(true, limit - count, end, 0, now);
  if (slot === -1) slot = table.allocate(key, now, hint);
  table.a[slot] = count + cost;
  table.expiresAt[slot] = end;
  return result(true, limit - count - cost, end, 0, now);
};

/**
 * Sliding window (weighted previous window): `used = previous * (1 - elapsed / period) + current`.
 * Slot: `a` = current count, `b` = previous count, `expiresAt` = current window start + 2 periods.
 */
export const slidingWindow: Step = (table, key, limit, periodMs, cost, now, dryRun, hint) => {
  const start = now - (now % periodMs);
  let slot = table.find(key, hint);
  let current = 0;
  let previous = 0;
  if (slot !== -1) {
    const storedStart = table.expiresAt[slot]! - 2 * periodMs;
    if (storedStart === start) {
      current = table.a[slot]!;
      previous = table.b![slot]!;
    } else if (storedStart === start - periodMs) {
      previous = table.a[slot]!;
    }
  }
  const used = (previous * (periodMs - (now - start))) / periodMs + current;
  const end = start + periodMs;
  if (used + cost > limit + EPSILON) {
    const retryAt = slidingRetryAt(limit, periodMs, cost, start, current, previous);
    return result(false, Math.max(0, Math.floor(limit - used + EPSILON)), end, retryAt - now, now);
  }
  if (dryRun) return result(true, Math.floor(limit - used + EPSILON), end, 0, now);
  if (slot === -1) slot = table.allocate(key, now, hint);
  table.a[slot] = current + cost;
  table.b![slot] = previous;
  table.expiresAt[slot] = start + 2 * periodMs;
  return result(true, Math.max(0, Math.floor(limit - used - cost + EPSILON)), end, 0, now);
};

/** Earliest time a denied sliding-window request of `cost` fits (the Lua script mirrors this). */
function slidingRetryAt(
  limit: number,
  periodMs: number,
  cost: number,
  start: number,
  current: number,
  previous: number,
): number {
  const room = limit - current - cost;
  if (room >= 0 && previous > 0) {
    return start + Math.min(periodMs, Math.ceil(periodMs * (1 - room / previous)));
  }
  const nextRoom = limit - cost;
  if (nextRoom < 0 || current === 0) return start + periodMs + (nextRoom < 0 ? periodMs : 0);
  return start + periodMs + Math.ceil(periodMs * (1 - nextRoom / current));
}

/**
 * Token bucket (GCRA-equivalent): capacity `limit`, refilled continuously at `limit / period`.
 * Slot: `a` = tokens in use at `b` (ms), `expiresAt` = when the bucket is full again.
 * Tokens in use stay small numbers, so no precision is lost next to epoch timestamps.
 */
export const tokenBucket: Step = (table, key, limit, periodMs, cost, now, dryRun, hint) => {
  let slot = table.find(key, hint);
  let used = 0;
  if (slot !== -1)
    used = Math.max(0, table.a[slot]! - ((now - table.b![slot]!) * limit) / periodMs);
  if (used + cost > limit + EPSILON) {
    const retryAfterMs = Math.ceil(((used + cost - limit) * periodMs) / limit);
    const resetAt = now + Math.ceil((used * periodMs) / limit);
    return result(
      false,
      Math.max(0, Math.floor(limit - used + EPSILON)),
      resetAt,
      retryAfterMs,
      now,
    );
  }
  const after = dryRun ? used : used + cost;
  const resetAt = now + Math.ceil((after * periodMs) / limit);
  if (!dryRun) {
    if (slot === -1) slot = table.allocate(key, now, hint);
    table.a[slot] = after;
    table.b![slot] = now;
    table.expiresAt[slot] = resetAt;
  }
  return result(true, Math.max(0, Math.floor(limit - after + EPSILON)), resetAt, 0, now);
};
