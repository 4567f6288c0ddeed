import { markLocalStore } from '@kit/internal';
import { invalidOption } from '../errors.js';
import { withSyncPath } from '../sync-store.js';
import type { Algorithm, RateLimitStore, StoreRequest, StoreResult } from '../types.js';
import { fixedWindow, slidingWindow, tokenBucket } from './memory-algorithms.js';
import { SlotTable } from './slot-table.js';

/** Options of `memoryStore`. */
export interface MemoryStoreOptions {
  /**
   * Most keys tracked per algorithm. Expired keys are reclaimed as new ones arrive; when the
   * store is full of live keys the oldest are evicted (those callers start afresh).
   * @default 1_000_000
   */
  maxKeys?: number;
}

/** The in-process store, also what `onStoreError: 'memory'` falls back to. */
export interface MemoryStore extends RateLimitStore {
  /** Keys currently tracked, over all algorithms. */
  readonly size: number;
  /** Drops every key. */
  clear(): void;
}

type Step = (table: SlotTable, req: StoreRequest, now: number, dryRun: boolean) => StoreResult;

const STEPS: Record<Algorithm, Step> = {
  'fixed-window': fixedWindow,
  'sliding-window': slidingWindow,
  'token-bucket': tokenBucket,
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
  // One table per algorithm, made on first use, so a key never mixes two algorithms' state.
  const tables: Partial<Record<Algorithm, SlotTable>> = {};
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

  const consumeSync = (req: StoreRequest, now = Date.now()) =>
    STEPS[req.algorithm](tableFor(req.algorithm), req, now, false);
  const peekSync = (req: StoreRequest, now = Date.now()) =>
    STEPS[req.algorithm](tableFor(req.algorithm), req, now, true);

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
    reset({ key }) {
      for (const table of Object.values(tables)) table.delete(key);
      return Promise.resolve();
    },
    isReady: () => true,
    get size() {
      let size = 0;
      for (const table of Object.values(tables)) size += table.size;
      return size;
    },
    clear() {
      for (const algorithm of Object.keys(tables) as Algorithm[]) delete tables[algorithm];
    },
  };
  // It never waits on I/O (the limiter skips the timeout race) and answers synchronously (the
  // limiter skips the promise too): both private, so neither is part of the store's type.
  return withSyncPath(markLocalStore(store), { consume: consumeSync, peek: peekSync });
}
