import type { SlotTable } from './slot-table.js';

/**
 * Adds `points` (or takes them back when negative, never below 0) to one window's state, with
 * no limit check. `at` is the time of the consume being adjusted, or undefined for "now". The
 * slot layouts are those of memory-algorithms.ts; lua/adjust.ts mirrors each of these.
 */
export type AdjustStep = (
  table: SlotTable,
  key: string,
  limit: number,
  periodMs: number,
  points: number,
  at: number | undefined,
  now: number,
) => void;

/** Fixed window: only the current window, and with `at` only if `at` falls in it. */
export const adjustFixedWindow: AdjustStep = (table, key, _limit, periodMs, points, at, now) => {
  const end = now - (now % periodMs) + periodMs;
  if (at !== undefined && at - (at % periodMs) + periodMs !== end) return;
  let slot = table.find(key);
  const count = slot !== -1 && table.expiresAt[slot] === end ? table.a[slot]! : 0;
  const next = Math.max(0, count + points);
  if (next === count) return;
  if (slot === -1) slot = table.allocate(key, now);
  table.a[slot] = next;
  table.expiresAt[slot] = end;
};

/**
 * Sliding window: the counter of the window containing `at` (or now), if that is still the
 * current or the previous counter: the previous one still weighs, an older one counts nothing.
 */
export const adjustSlidingWindow: AdjustStep = (table, key, _limit, periodMs, points, at, now) => {
  const start = now - (now % periodMs);
  const target = at === undefined ? start : at - (at % periodMs);
  if (target !== start && target !== start - periodMs) return;
  let slot = table.find(key);
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
  if (target === start) current = Math.max(0, current + points);
  else previous = Math.max(0, previous + points);
  if (slot === -1) {
    if (current === 0 && previous === 0) return;
    slot = table.allocate(key, now);
  }
  table.a[slot] = current;
  table.b![slot] = previous;
  table.expiresAt[slot] = start + 2 * periodMs;
};

/**
 * Token bucket: tokens in use go up by `points` or down by `-points`, clamped at 0. With `at`:
 * nothing once a period has passed since `at` (a bucket refills completely within a period, so
 * whatever that consume took has leaked back), and a refund gives back only what has not
 * leaked since `at` (`-points - elapsed * limit / period`), counting the refunded units as the
 * first to leak, so a refund never returns more than the bucket can still hold of them.
 */
export const adjustTokenBucket: AdjustStep = (table, key, limit, periodMs, points, at, now) => {
  let delta = points;
  if (at !== undefined) {
    const since = Math.max(0, now - at);
    if (since >= periodMs) return;
    if (points < 0) delta = Math.min(0, points + (since * limit) / periodMs);
  }
  let slot = table.find(key);
  let used = 0;
  if (slot !== -1)
    used = Math.max(0, table.a[slot]! - ((now - table.b![slot]!) * limit) / periodMs);
  const next = Math.max(0, used + delta);
  if (slot === -1) {
    if (next === 0) return;
    slot = table.allocate(key, now);
  }
  table.a[slot] = next;
  table.b![slot] = now;
  table.expiresAt[slot] = now + Math.ceil((next * periodMs) / limit);
};
