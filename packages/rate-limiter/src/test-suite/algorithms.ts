import type { SuiteRunner } from '@kit/internal';
import type { Algorithm, RateLimitStore } from '../types.js';
import type { Requests } from './request.js';
import { nextWindow, roomInWindow, sleep, uniqueKey, windowEnd } from './time.js';

/** What distinguishes the algorithms, with the same numbers on every store. */
export function registerAlgorithmSemantics(
  algorithm: Algorithm,
  makeStore: () => RateLimitStore | Promise<RateLimitStore>,
  request: Requests['one'],
  { it, expect }: SuiteRunner,
): void {
  if (algorithm === 'fixed-window') {
    it('aligns the window to the epoch: resetAt is the window end', async () => {
      const store = await makeStore();
      const period = 60_000;
      await roomInWindow(period, 2_000);
      const result = await store.consume(request(uniqueKey('align'), 5, period));
      expect(result.resetAt % period).toBe(0);
      expect(result.resetAt - Date.now()).toBeLessThanOrEqual(period);
      expect(result.resetAt).toBe(windowEnd(period));
    });
    it('starts afresh at the next window even right after a full one', async () => {
      const store = await makeStore();
      const period = 500;
      await roomInWindow(period, 200);
      const key = uniqueKey('fresh');
      await store.consume(request(key, 2, period, 2));
      expect((await store.consume(request(key, 2, period))).allowed).toBe(false);
      await nextWindow(period, 10);
      expect((await store.consume(request(key, 2, period, 2))).allowed).toBe(true);
    });
  }
  if (algorithm === 'sliding-window') {
    it('weights the previous window by the part of it still inside the period', async () => {
      const store = await makeStore();
      const period = 1000;
      await nextWindow(period, 10);
      const key = uniqueKey('slide');
      for (let i = 0; i < 10; i++) await store.consume(request(key, 10, period));
      // Half-way through the next window half of the previous window still counts.
      await nextWindow(period, 500);
      const half = await store.peek(request(key, 10, period));
      expect(half.remaining).toBeGreaterThanOrEqual(4);
      expect(half.remaining).toBeLessThanOrEqual(5);
      expect(half.resetAt % period).toBe(0);
    });
  }
  if (algorithm === 'token-bucket') {
    it('refills continuously at limit / period', async () => {
      const store = await makeStore();
      const period = 1000;
      const key = uniqueKey('refill');
      const first = await store.consume(request(key, 10, period, 10));
      expect(first.remaining).toBe(0);
      // Bucket full again one period later.
      expect(first.resetAt - Date.now()).toBeGreaterThan(period - 100);
      expect(first.resetAt - Date.now()).toBeLessThanOrEqual(period);
      await sleep(250); // 2.5 tokens back
      expect((await store.consume(request(key, 10, period))).allowed).toBe(true);
      expect((await store.consume(request(key, 10, period))).allowed).toBe(true);
      const third = await store.consume(request(key, 10, period));
      expect(third.allowed).toBe(false);
      expect(third.retryAfterMs).toBeLessThanOrEqual(100);
    });
  }
}
