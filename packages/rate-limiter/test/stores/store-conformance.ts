import type { Algorithm, RateLimitStore, StoreRequest } from '../../src/types.js';
import { nextWindow, roomInWindow, sleep, uniqueKey } from '../support/time.js';

/** The runner functions the suite needs; vitest's, or any compatible runner's. */
export interface SuiteRunner {
  describe: (name: string, body: () => void) => void;
  it: (name: string, body: () => Promise<void>, timeout?: number) => void;
  expect: (value: unknown) => {
    toBe(expected: unknown): void;
    toEqual(expected: unknown): void;
    toBeGreaterThan(n: number): void;
    toBeGreaterThanOrEqual(n: number): void;
    toBeLessThan(n: number): void;
    toBeLessThanOrEqual(n: number): void;
  };
}

const ALGORITHMS: Algorithm[] = ['fixed-window', 'sliding-window', 'token-bucket'];
const HOUR = 3_600_000;

/**
 * The rate-limit store contract, written once and run against every store (memory, Redis):
 * counting, cost, peek, reset, window reset and refill, reset times, and exactness under
 * 2,000 concurrent checks, for every algorithm.
 */
export function registerStoreConformance(
  storeName: string,
  getStore: () => RateLimitStore,
  { describe, it, expect }: SuiteRunner,
): void {
  for (const algorithm of ALGORITHMS) {
    describe(`${storeName} store, ${algorithm}`, () => {
      const request = (key: string, limit: number, periodMs: number, cost = 1): StoreRequest => ({
        key,
        algorithm,
        limit,
        periodMs,
        cost,
      });

      it('admits exactly `limit` requests, then denies with a retry delay', async () => {
        const store = getStore();
        await roomInWindow(HOUR, 5_000);
        const key = uniqueKey(`count-${algorithm}`);
        const remaining: number[] = [];
        for (let i = 0; i < 3; i++) {
          const result = await store.consume(request(key, 3, HOUR));
          expect(result.allowed).toBe(true);
          expect(result.retryAfterMs).toBe(0);
          remaining.push(result.remaining);
        }
        expect(remaining).toEqual([2, 1, 0]);
        const denied = await store.consume(request(key, 3, HOUR));
        expect(denied.allowed).toBe(false);
        expect(denied.remaining).toBe(0);
        expect(denied.retryAfterMs).toBeGreaterThan(0);
        // A sliding window may wait into the next window while the previous one still weighs.
        expect(denied.retryAfterMs).toBeLessThanOrEqual(
          algorithm === 'sliding-window' ? 2 * HOUR : HOUR,
        );
        expect(denied.resetAt).toBeGreaterThan(Date.now());
      });

      it('keeps keys apart', async () => {
        const store = getStore();
        await roomInWindow(HOUR, 5_000);
        const a = uniqueKey('apart-a');
        const b = uniqueKey('apart-b');
        await store.consume(request(a, 1, HOUR));
        expect((await store.consume(request(a, 1, HOUR))).allowed).toBe(false);
        expect((await store.consume(request(b, 1, HOUR))).allowed).toBe(true);
      });

      it('charges `cost` units and does not charge a denied request', async () => {
        const store = getStore();
        await roomInWindow(HOUR, 5_000);
        const key = uniqueKey(`cost-${algorithm}`);
        expect((await store.consume(request(key, 10, HOUR, 4))).remaining).toBe(6);
        expect((await store.consume(request(key, 10, HOUR, 4))).remaining).toBe(2);
        const tooBig = await store.consume(request(key, 10, HOUR, 4));
        expect(tooBig.allowed).toBe(false);
        expect(tooBig.remaining).toBe(2);
        const fits = await store.consume(request(key, 10, HOUR, 2));
        expect(fits.allowed).toBe(true);
        expect(fits.remaining).toBe(0);
      });

      it('peek reads without consuming', async () => {
        const store = getStore();
        await roomInWindow(HOUR, 5_000);
        const key = uniqueKey(`peek-${algorithm}`);
        const fresh = await store.peek(request(key, 2, HOUR));
        expect(fresh.allowed).toBe(true);
        expect(fresh.remaining).toBe(2);
        await store.consume(request(key, 2, HOUR));
        expect((await store.peek(request(key, 2, HOUR))).remaining).toBe(1);
        expect((await store.peek(request(key, 2, HOUR))).remaining).toBe(1);
        await store.consume(request(key, 2, HOUR));
        const spent = await store.peek(request(key, 2, HOUR));
        expect(spent.allowed).toBe(false);
        expect(spent.retryAfterMs).toBeGreaterThan(0);
      });

      it('never reports negative remaining once a rule is lowered below the usage', async () => {
        const store = getStore();
        await roomInWindow(HOUR, 5_000);
        const key = uniqueKey(`lowered-${algorithm}`);
        await store.consume(request(key, 10, HOUR, 5));
        const denied = await store.consume(request(key, 3, HOUR));
        expect(denied.allowed).toBe(false);
        expect(denied.remaining).toBe(0);
        const peeked = await store.peek(request(key, 3, HOUR));
        expect(peeked.allowed).toBe(false);
        expect(peeked.remaining).toBe(0);
      });

      it('reset forgets the usage of a key', async () => {
        const store = getStore();
        await roomInWindow(HOUR, 5_000);
        const key = uniqueKey(`reset-${algorithm}`);
        await store.consume(request(key, 1, HOUR));
        expect((await store.consume(request(key, 1, HOUR))).allowed).toBe(false);
        await store.reset({ key, periodMs: HOUR });
        const after = await store.consume(request(key, 1, HOUR));
        expect(after.allowed).toBe(true);
        expect(after.remaining).toBe(0);
      });

      it('admits again once retryAfterMs has passed', async () => {
        const store = getStore();
        const period = 400;
        await roomInWindow(period, 150);
        const key = uniqueKey(`window-${algorithm}`);
        await store.consume(request(key, 2, period));
        await store.consume(request(key, 2, period));
        const denied = await store.consume(request(key, 2, period));
        expect(denied.allowed).toBe(false);
        expect(denied.retryAfterMs).toBeLessThanOrEqual(2 * period);
        await sleep(denied.retryAfterMs + 20);
        expect((await store.consume(request(key, 2, period))).allowed).toBe(true);
      });

      it('expires state: after two idle periods the key has its whole limit', async () => {
        const store = getStore();
        const period = 200;
        const key = uniqueKey(`expiry-${algorithm}`);
        await store.consume(request(key, 3, period, 3));
        await sleep(2 * period + 20);
        expect((await store.peek(request(key, 3, period))).remaining).toBe(3);
      });

      it('admits exactly 100 of 2,000 concurrent checks with limit 100', async () => {
        const store = getStore();
        await roomInWindow(HOUR, 10_000);
        const key = uniqueKey(`concurrency-${algorithm}`);
        const results = await Promise.all(
          Array.from({ length: 2000 }, () => store.consume(request(key, 100, HOUR))),
        );
        expect(results.filter((r) => r.allowed).length).toBe(100);
      });

      registerAlgorithmSemantics(algorithm, getStore, request, { describe, it, expect });
    });
  }
}

type RequestOf = (key: string, limit: number, periodMs: number, cost?: number) => StoreRequest;

/** What distinguishes the algorithms, with the same numbers on every store. */
function registerAlgorithmSemantics(
  algorithm: Algorithm,
  getStore: () => RateLimitStore,
  request: RequestOf,
  { it, expect }: SuiteRunner,
): void {
  if (algorithm === 'fixed-window') {
    it('aligns the window to the epoch: resetAt is the window end', async () => {
      const store = getStore();
      const period = 60_000;
      await roomInWindow(period, 2_000);
      const result = await store.consume(request(uniqueKey('align'), 5, period));
      expect(result.resetAt % period).toBe(0);
      expect(result.resetAt - Date.now()).toBeLessThanOrEqual(period);
      expect(result.resetAt).toBe(Date.now() - (Date.now() % period) + period);
    });
    it('starts afresh at the next window even right after a full one', async () => {
      const store = getStore();
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
      const store = getStore();
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
      const store = getStore();
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
