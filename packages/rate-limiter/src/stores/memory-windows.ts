import type { StoreRequest, StoreResult, StoreWindow } from '../types.js';
import type { Step } from './memory-algorithms.js';
import type { SlotTable } from './slot-table.js';

/**
 * The memory store's key of window `index`: window 0 is the base key itself, as for a
 * single-window rule (so adding a window to a rule keeps the counts of its first); every other
 * window adds its period, since two periods can share a window start. NUL cannot occur in a
 * limiter key, so a sub-key never meets another caller's base key.
 */
export function windowKey(key: string, index: number, window: StoreWindow): string {
  return index === 0 ? key : `${key}\u0000${window.periodMs}`;
}

/**
 * A check of several windows, all or none: every window is first asked without counting (the
 * memory store is single-threaded, so nothing runs in between), and only if all admit is the
 * request counted in each. Reports the refusing window with the longest wait, or the admitting
 * window with the fewest units left (the first, i.e. shortest period, among equals).
 */
export function checkWindows(
  step: Step,
  table: SlotTable,
  req: StoreRequest,
  now: number,
  dryRun: boolean,
): StoreResult {
  const { key, windows, cost } = req;
  let refused: StoreResult | undefined;
  let refusedIndex = 0;
  let best: StoreResult | undefined;
  let bestIndex = 0;
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i]!;
    const r = step(table, windowKey(key, i, w), w.limit, w.periodMs, cost, now, true);
    if (!r.allowed) {
      if (refused === undefined || r.retryAfterMs > refused.retryAfterMs) {
        refused = r;
        refusedIndex = i;
      }
    } else if (best === undefined || r.remaining < best.remaining) {
      best = r;
      bestIndex = i;
    }
  }
  if (refused !== undefined) return { ...refused, window: refusedIndex };
  if (!dryRun) {
    best = undefined;
    for (let i = 0; i < windows.length; i++) {
      const w = windows[i]!;
      const r = step(table, windowKey(key, i, w), w.limit, w.periodMs, cost, now, false);
      if (best === undefined || r.remaining < best.remaining) {
        best = r;
        bestIndex = i;
      }
    }
  }
  return { ...best!, window: bestIndex };
}

/**
 * Blocks (`blockMs`) of one memory store: the slot's `expiresAt` is the block's end, `a` the
 * window that refused when it began (reported for the whole block).
 */
export class Blocks {
  constructor(private readonly table: SlotTable) {}

  get size(): number {
    return this.table.size;
  }

  /** The answer while `key` is blocked, or undefined. */
  check(key: string, now: number): StoreResult | undefined {
    const slot = this.table.find(key);
    if (slot === -1) return undefined;
    const end = this.table.expiresAt[slot]!;
    if (end <= now) return undefined;
    const window = this.table.a[slot]!;
    return { allowed: false, remaining: 0, resetAt: end, retryAfterMs: end - now, window, at: now };
  }

  /** Blocks `key` after `refused` (a consume refusal), and answers as the block will. */
  start(key: string, refused: StoreResult, blockMs: number, now: number): StoreResult {
    let slot = this.table.find(key);
    if (slot === -1) slot = this.table.allocate(key, now);
    const end = now + blockMs;
    this.table.expiresAt[slot] = end;
    this.table.a[slot] = refused.window;
    // Whichever is later: the block's end, or when the refusing window would admit again.
    return {
      ...refused,
      resetAt: Math.max(refused.resetAt, end),
      retryAfterMs: Math.max(refused.retryAfterMs, blockMs),
    };
  }

  delete(key: string): void {
    this.table.delete(key);
  }
}
