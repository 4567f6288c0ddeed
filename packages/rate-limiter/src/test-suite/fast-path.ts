import type { SuiteRunner } from '@kit/internal';
import { syncPathOf } from '../sync-store.js';
import type {
  Algorithm,
  RateLimitStore,
  StoreRequest,
  StoreResult,
  StoreWindow,
} from '../types.js';
import { uniqueKey } from './time.js';

const LIMIT = 5;
const PERIOD = 1000;

type Op = 'consume' | 'peek' | 'adjust' | 'refund';

/**
 * [ms the clock moves first, operation, cost or points]: spending, a denial, peeks, penalties
 * and refunds (`refund` gives back with the `at` of the last consume), a refill part-way through
 * a window, a rolled-over window and a fully idle key, so every branch of each algorithm is
 * reached.
 */
const STEPS: ReadonlyArray<readonly [number, Op, number]> = [
  [0, 'consume', 1],
  [0, 'peek', 1],
  [10, 'consume', 3],
  [0, 'consume', 2],
  [0, 'peek', 1],
  [5, 'refund', -2],
  [0, 'consume', 2],
  [120, 'consume', 1],
  [0, 'adjust', 3],
  [0, 'peek', 1],
  [PERIOD / 2, 'consume', 1],
  [0, 'adjust', -4],
  [0, 'consume', 4],
  [PERIOD, 'peek', 2],
  [0, 'refund', -1],
  [1, 'consume', 5],
  [0, 'consume', 1],
  [3 * PERIOD, 'peek', 1],
  [0, 'adjust', 7],
  [0, 'consume', 5],
];

/** One window as the hot path sees it; two windows with a block, the general path. */
const SHAPES: ReadonlyArray<{ name: string; windows: StoreWindow[]; blockMs: number }> = [
  { name: 'one window', windows: [{ limit: LIMIT, periodMs: PERIOD }], blockMs: 0 },
  {
    name: 'two windows and a block',
    windows: [
      { limit: LIMIT, periodMs: PERIOD },
      { limit: LIMIT + 3, periodMs: 3 * PERIOD },
    ],
    blockMs: 400,
  },
];

/**
 * A store's synchronous fast path (the memory store has one; it is private to the package)
 * must answer exactly as its async methods: the limiter uses the one, the outage fallback and
 * custom callers the other. Twin keys go through the same steps, one through each, on a clock
 * frozen per step, so any difference is the store's.
 */
export function registerFastPathCase(
  algorithm: Algorithm,
  makeStore: () => RateLimitStore | Promise<RateLimitStore>,
  { it, expect }: SuiteRunner,
): void {
  for (const { name, windows, blockMs } of SHAPES) {
    it(`answers through its synchronous fast path, if it has one, exactly as through consume/peek/adjust (${name})`, async () => {
      const store = await makeStore();
      const sync = syncPathOf(store);
      // A store without the fast path has nothing to compare; every other case covers it.
      if (sync === undefined) return;
      const request = (key: string, cost: number): StoreRequest => ({
        key,
        algorithm,
        windows,
        cost,
        blockMs,
      });
      const viaSync = uniqueKey(`sync-${algorithm}`);
      const viaAsync = uniqueKey(`async-${algorithm}`);
      const realNow = Date.now;
      let now = realNow();
      let lastAt: number | undefined;
      for (const [advance, op, amount] of STEPS) {
        now += advance;
        const frozen = now;
        // Frozen only around the two calls, which a local store answers before returning, so
        // nothing else running ever sees the stopped clock.
        Date.now = () => frozen;
        try {
          if (op === 'consume' || op === 'peek') {
            const fast: StoreResult = sync[op](request(viaSync, amount), frozen);
            const pending = store[op](request(viaAsync, amount));
            Date.now = realNow;
            expect(await pending).toEqual(fast);
            if (op === 'consume') lastAt = fast.at;
          } else {
            const at = op === 'refund' ? lastAt : undefined;
            sync.adjust({ key: viaSync, algorithm, windows, points: amount, at }, frozen);
            const pending = store.adjust({ key: viaAsync, algorithm, windows, points: amount, at });
            Date.now = realNow;
            await pending;
          }
        } finally {
          Date.now = realNow;
        }
      }
    });
  }
}
