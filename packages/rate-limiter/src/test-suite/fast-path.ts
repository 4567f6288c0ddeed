import type { SuiteRunner } from '@kit/internal';
import { syncPathOf } from '../sync-store.js';
import type { Algorithm, RateLimitStore, StoreRequest, StoreResult } from '../types.js';
import { uniqueKey } from './time.js';

const LIMIT = 5;
const PERIOD = 1000;

/**
 * [ms the clock moves first, operation, cost]: spending, a denial, peeks, a refill part-way
 * through a window, a rolled-over window and a fully idle key, so every branch of each
 * algorithm is reached.
 */
const STEPS: ReadonlyArray<readonly [number, 'consume' | 'peek', number]> = [
  [0, 'consume', 1],
  [0, 'peek', 1],
  [10, 'consume', 3],
  [0, 'consume', 2],
  [0, 'peek', 1],
  [120, 'consume', 1],
  [PERIOD / 2, 'consume', 1],
  [0, 'consume', 4],
  [PERIOD, 'peek', 2],
  [1, 'consume', 5],
  [3 * PERIOD, 'peek', 1],
  [0, 'consume', 5],
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
  it('answers through its synchronous fast path, if it has one, exactly as through consume/peek', async () => {
    const store = await makeStore();
    const sync = syncPathOf(store);
    // A store without the fast path has nothing to compare; every other case covers it.
    if (sync === undefined) return;
    const request = (key: string, cost: number): StoreRequest => ({
      key,
      algorithm,
      limit: LIMIT,
      periodMs: PERIOD,
      cost,
    });
    const viaSync = uniqueKey(`sync-${algorithm}`);
    const viaAsync = uniqueKey(`async-${algorithm}`);
    const realNow = Date.now;
    let now = realNow();
    for (const [advance, op, cost] of STEPS) {
      now += advance;
      const frozen = now;
      let fast: StoreResult;
      let pending: Promise<StoreResult>;
      // Frozen only around the two calls, which a local store answers before returning, so
      // nothing else running ever sees the stopped clock.
      Date.now = () => frozen;
      try {
        fast = sync[op](request(viaSync, cost), frozen);
        pending = store[op](request(viaAsync, cost));
      } finally {
        Date.now = realNow;
      }
      expect(await pending).toEqual(fast);
    }
  });
}
