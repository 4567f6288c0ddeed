import { markLocalStore } from '@kit/internal';
import { invalidOption } from '../errors.js';
import { withSyncPath } from '../sync-store.js';
import type {
  AdjustRequest,
  Algorithm,
  RateLimitStore,
  StoreRequest,
  StoreResult,
  StoreWindow,
} from '../types.js';
import {
  type AdjustStep,
  adjustFixedWindow,
  adjustSlidingWindow,
  adjustTokenBucket,
} from './memory-adjust.js';
import { fixedWindow, type Step, slidingWindow, tokenBucket } from './memory-algorithms.js';
import { Blocks, checkWindows, type TableOf } from './memory-windows.js';
import { type SlotHint, SlotTable } from './slot-table.js';

/** Options of `memoryStore`. */
export interface MemoryStoreOptions {
  /**
   * Most keys tracked per algorithm (and, for the second and later windows of rules with
   * several, per algorithm and period; blocks count apart too). Expired keys are reclaimed as new ones arrive; when the
   * store is full of live keys the oldest are evicted (those callers start afresh).
   * @default 1_000_000
   */
  maxKeys?: number;
}

/** The in-process store, also what `onStoreError: 'memory'` falls back to. */
export interface MemoryStore extends RateLimitStore {
  /** Keys currently tracked, over all algorithms (a window or a block is a key). */
  readonly size: number;
  /** Drops every key. */
  clear(): void;
}

const STEPS: Record<Algorithm, Step> = {
  'fixed-window': fixedWindow,
  'sliding-window': slidingWindow,
  'token-bucket': tokenBucket,
};

const ADJUST_STEPS: Record<Algorithm, AdjustStep> = {
  'fixed-window': adjustFixedWindow,
  'sliding-window': adjustSlidingWindow,
  'token-bucket': adjustTokenBucket,
};

/**
 * A bounded in-process store. Counts are per process: use `redisStore` when several
 * processes must share limits.
 *
 * @example
 * import { createRateLimiter } from '@kit/rate-limiter';
 * import { memoryStore } from '@kit/rate-limiter/memory';
 *
 * const limiter = createRateLimiter({ store: memoryStore({ maxKeys: 100_000 }) });
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const maxKeys = options.maxKeys ?? 1_000_000;
  if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) {
    throw invalidOption('maxKeys', 'must be a positive integer', {
      value: maxKeys,
      scope: 'memory',
    });
  }
  // One table per algorithm, made on first use, so a key never mixes two algorithms' state;
  // a rule's second and later windows in one more table per period (see TableOf).
  const tables: Partial<Record<Algorithm, SlotTable>> = {};
  let periodTables: Partial<Record<Algorithm, Map<number, SlotTable>>> = {};
  const tableFor = (algorithm: Algorithm): SlotTable => {
    let table = tables[algorithm];
    if (table === undefined) {
      if (!(algorithm in STEPS))
        throw invalidOption('algorithm', 'is unknown', { value: algorithm, scope: 'memory' });
      table = new SlotTable(maxKeys, algorithm !== 'fixed-window');
      tables[algorithm] = table;
    }
    return table;
  };
  const tableOf: TableOf = (algorithm, index, periodMs) => {
    if (index === 0) return tableFor(algorithm);
    let byPeriod = periodTables[algorithm];
    if (byPeriod === undefined) {
      tableFor(algorithm);
      byPeriod = new Map();
      periodTables[algorithm] = byPeriod;
    }
    let table = byPeriod.get(periodMs);
    if (table === undefined) {
      table = new SlotTable(maxKeys, algorithm !== 'fixed-window');
      byPeriod.set(periodMs, table);
    }
    return table;
  };
  const allTables = (): SlotTable[] => [
    ...Object.values(tables),
    ...Object.values(periodTables).flatMap((byPeriod) => [...byPeriod.values()]),
  ];
  let blocks: Blocks | undefined;

  // Several windows, or a block: the general path.
  const checkMany = (
    req: StoreRequest,
    now: number,
    dryRun: boolean,
    hint: SlotHint | undefined,
  ): StoreResult => {
    if (req.blockMs > 0) {
      const held = blocks?.check(req.key, now);
      if (held !== undefined) return held;
    }
    tableFor(req.algorithm); // rejects an unknown algorithm
    const answer = checkWindows(STEPS[req.algorithm], tableOf, req, now, dryRun, hint);
    if (answer.allowed || dryRun || req.blockMs <= 0) return answer;
    blocks ??= new Blocks(new SlotTable(maxKeys, false));
    return blocks.start(req.key, answer, req.blockMs, now);
  };

  // One window and no block: the step itself, as before windows and blocks (the benchmarked
  // path). Spelled out in each, not behind a shared helper: the extra call measured ~25% slower.
  const consumeSync = (req: StoreRequest, now = Date.now(), hint?: SlotHint): StoreResult => {
    const { windows } = req;
    if (windows.length !== 1 || req.blockMs !== 0) return checkMany(req, now, false, hint);
    const w = windows[0]!;
    const table = tableFor(req.algorithm);
    return STEPS[req.algorithm](table, req.key, w.limit, w.periodMs, req.cost, now, false, hint);
  };
  const peekSync = (req: StoreRequest, now = Date.now(), hint?: SlotHint): StoreResult => {
    const { windows } = req;
    if (windows.length !== 1 || req.blockMs !== 0) return checkMany(req, now, true, hint);
    const w = windows[0]!;
    const table = tableFor(req.algorithm);
    return STEPS[req.algorithm](table, req.key, w.limit, w.periodMs, req.cost, now, true, hint);
  };
  const adjustSync = (req: AdjustRequest, now = Date.now()): void => {
    tableFor(req.algorithm); // rejects an unknown algorithm
    const step = ADJUST_STEPS[req.algorithm];
    const { key, windows, points, at } = req;
    // Counters count whole units (Redis's INCRBY too): a fraction would part the two stores.
    if (!Number.isInteger(points)) {
      throw invalidOption('points', 'must be an integer', { value: points, scope: 'memory' });
    }
    for (let i = 0; i < windows.length; i++) {
      const w = windows[i]!;
      step(tableOf(req.algorithm, i, w.periodMs), key, w.limit, w.periodMs, points, at, now);
    }
  };
  const resetSync = (key: string, windows: readonly StoreWindow[]): void => {
    for (const table of Object.values(tables)) table.delete(key);
    for (const byPeriod of Object.values(periodTables)) {
      for (let i = 1; i < windows.length; i++) byPeriod.get(windows[i]!.periodMs)?.delete(key);
    }
    blocks?.delete(key);
  };

  const store: MemoryStore = {
    consume(req) {
      try {
        return Promise.resolve(consumeSync(req));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    peek(req) {
      try {
        return Promise.resolve(peekSync(req));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    adjust(req) {
      try {
        return Promise.resolve(adjustSync(req));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    reset({ key, windows }) {
      resetSync(key, windows);
      return Promise.resolve();
    },
    isReady: () => true,
    get size() {
      let size = 0;
      for (const table of allTables()) size += table.size;
      return size + (blocks?.size ?? 0);
    },
    clear() {
      for (const algorithm of Object.keys(tables) as Algorithm[]) delete tables[algorithm];
      periodTables = {};
      blocks = undefined;
    },
  };
  // It never waits on I/O (the limiter skips the timeout race) and answers synchronously (the
  // limiter skips the promise too): both private, so neither is part of the store's type.
  return withSyncPath(markLocalStore(store), {
    consume: consumeSync,
    peek: peekSync,
    adjust: adjustSync,
  });
}
