import type { Algorithm, StoreRequest, StoreResult } from '../types.js';
import type { Step } from './memory-algorithms.js';
import type { SlotHint, SlotTable } from './slot-table.js';

/**
 * Where the memory store keeps a window: `index` 0 in the algorithm's own table, as a
 * single-window rule of that period (so adding a window to a rule keeps the counts of its
 * first); every other window in a table of its period, under the same base key: no sub-key
 * strings to build and hash on every check.
 */
export type TableOf = (algorithm: Algorithm, index: number, periodMs: number) => SlotTable;

/**
 * A check of several windows, all or none. A consume counts in each window in turn and, should
 * one refuse, puts back what it counted in the others (the memory store is single-threaded, so
 * nothing runs in between): one pass when all admit, the common case. Reports the refusing
 * window with the longest wait, or the admitting window with the fewest units left (the first,
 * i.e. shortest period, among equals).
 */
export function checkWindows(
  step: Step,
  tableOf: TableOf,
  req: StoreRequest,
  now: number,
  dryRun: boolean,
  hint?: SlotHint,
): StoreResult {
  const { key, algorithm, windows, cost } = req;
  // The caller's hint is its slot in the first window's table; in the others, the slot that
  // save() found is handed on to the step, so each window's key is looked up once, not twice.
  const scratch = hint === undefined ? COPIED_KEY : MEMO_KEY;
  let refused: StoreResult | undefined;
  let refusedIndex = 0;
  let best: StoreResult | undefined;
  let bestIndex = 0;
  // Windows counted in so far; once one refuses, the rest are only asked.
  let counted = 0;
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i]!;
    const table = tableOf(algorithm, i, w.periodMs);
    const count = !dryRun && refused === undefined;
    const windowHint = i === 0 && hint !== undefined ? hint : scratch;
    if (windowHint === scratch) scratch.slot = -1;
    if (count) save(i, table, key, windowHint);
    const r = step(table, key, w.limit, w.periodMs, cost, now, !count, windowHint);
    if (!r.allowed) {
      if (refused === undefined || r.retryAfterMs > refused.retryAfterMs) {
        refused = r;
        refusedIndex = i;
      }
    } else {
      if (count) counted = i + 1;
      if (best === undefined || r.remaining < best.remaining) {
        best = r;
        bestIndex = i;
      }
    }
  }
  // Each result is a fresh object of this call's: set its index rather than copy it.
  if (refused !== undefined) {
    for (let i = 0; i < counted; i++) restore(i, tableOf(algorithm, i, windows[i]!.periodMs), key);
    refused.window = refusedIndex;
    return refused;
  }
  best!.window = bestIndex;
  return best!;
}

// The hints of windows the caller has none for, one per kind of key (see SlotHint.copyKey):
// reset before each window, so one never carries a slot from another table.
const COPIED_KEY: { slot: number; readonly copyKey: true } = { slot: -1, copyKey: true };
const MEMO_KEY: { slot: number } = { slot: -1 };

// What a consume found in each window before counting: a, b, expiresAt (NaN: no slot).
let saved = new Float64Array(3 * 8);

function save(i: number, table: SlotTable, key: string, hint: SlotHint): void {
  if (saved.length < 3 * (i + 1)) {
    const grown = new Float64Array(saved.length * 2);
    grown.set(saved);
    saved = grown;
  }
  const slot = table.find(key, hint);
  if (slot === -1) {
    saved[3 * i + 2] = Number.NaN;
    return;
  }
  saved[3 * i] = table.a[slot]!;
  saved[3 * i + 1] = table.b?.[slot] ?? 0;
  saved[3 * i + 2] = table.expiresAt[slot]!;
}

// Each window has a table of its own, so counting in one never moved another's slot.
function restore(i: number, table: SlotTable, key: string): void {
  const expiresAt = saved[3 * i + 2]!;
  if (Number.isNaN(expiresAt)) {
    table.delete(key);
    return;
  }
  const slot = table.find(key);
  table.a[slot] = saved[3 * i]!;
  if (table.b) table.b[slot] = saved[3 * i + 1]!;
  table.expiresAt[slot] = expiresAt;
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
