import type { SuiteRunner } from '@kit/internal';
import type { Algorithm, RateLimitStore } from '../types.js';
import { registerAdjustCases } from './adjust.js';
import { registerAlgorithmSemantics } from './algorithms.js';
import { registerBlockCases } from './blocks.js';
import { registerFastPathCase } from './fast-path.js';
import { requestsFor } from './request.js';
import { roomInWindow, sleep, uniqueKey } from './time.js';
import { registerWindowCases } from './windows.js';

export type { SuiteRunner } from '@kit/internal';

/** What `runRateLimitStoreSuite` tests. */
export interface RateLimitStoreSuiteOptions {
  /** Names the suite's `describe` blocks: `<name> store, <algorithm>`. */
  name: string;
  /**
   * The store under test, asked for once per test. It may hand back the same store every time:
   * every test uses keys of its own (`kit-rl-test:{...}`), all of which expire.
   */
  makeStore: () => RateLimitStore | Promise<RateLimitStore>;
}

const ALGORITHMS: Algorithm[] = ['fixed-window', 'sliding-window', 'token-bucket'];
const HOUR = 3_600_000;

/**
 * The `RateLimitStore` contract, written once and run against every store: counting, cost, peek,
 * reset, window reset and refill, reset times and exactness under 2,000 concurrent consumes;
 * several windows counted all or none, blocks, and adjustments, for each of the three
 * algorithms, with the same numbers the memory and Redis stores pass. It takes the test
 * runner's `describe`, `it` and `expect`, so it runs under vitest, jest or any runner with
 * those shapes, and it imports none. Tests wait on the real clock (up to about 2.5 s each).
 *
 * @example
 * // my-store.test.ts
 * import { describe, expect, it } from 'vitest';
 * import { runRateLimitStoreSuite } from '@kit/rate-limiter/test-suite';
 * import { myStore } from './my-store.js';
 *
 * runRateLimitStoreSuite({ describe, it, expect }, { name: 'my', makeStore: () => myStore() });
 */
export function runRateLimitStoreSuite(
  runner: SuiteRunner,
  options: RateLimitStoreSuiteOptions,
): void {
  const { describe, it, expect } = runner;
  const { name, makeStore } = options;
  for (const algorithm of ALGORITHMS) {
    describe(`${name} store, ${algorithm}`, () => {
      const requests = requestsFor(algorithm);
      const request = requests.one;

      it('admits exactly `limit` requests, then denies with a retry delay', async () => {
        const store = await makeStore();
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
        const store = await makeStore();
        await roomInWindow(HOUR, 5_000);
        const a = uniqueKey('apart-a');
        const b = uniqueKey('apart-b');
        await store.consume(request(a, 1, HOUR));
        expect((await store.consume(request(a, 1, HOUR))).allowed).toBe(false);
        expect((await store.consume(request(b, 1, HOUR))).allowed).toBe(true);
      });

      it('charges `cost` units and does not charge a denied request', async () => {
        const store = await makeStore();
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
        const store = await makeStore();
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
        const store = await makeStore();
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
        const store = await makeStore();
        await roomInWindow(HOUR, 5_000);
        const key = uniqueKey(`reset-${algorithm}`);
        await store.consume(request(key, 1, HOUR));
        expect((await store.consume(request(key, 1, HOUR))).allowed).toBe(false);
        await store.reset({ key, windows: [{ limit: 1, periodMs: HOUR }] });
        const after = await store.consume(request(key, 1, HOUR));
        expect(after.allowed).toBe(true);
        expect(after.remaining).toBe(0);
      });

      it('admits again once retryAfterMs has passed', async () => {
        const store = await makeStore();
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
        const store = await makeStore();
        const period = 200;
        const key = uniqueKey(`expiry-${algorithm}`);
        await store.consume(request(key, 3, period, 3));
        await sleep(2 * period + 20);
        expect((await store.peek(request(key, 3, period))).remaining).toBe(3);
      });

      it('admits exactly 100 of 2,000 concurrent checks with limit 100', async () => {
        const store = await makeStore();
        await roomInWindow(HOUR, 10_000);
        const key = uniqueKey(`concurrency-${algorithm}`);
        const results = await Promise.all(
          Array.from({ length: 2000 }, () => store.consume(request(key, 100, HOUR))),
        );
        expect(results.filter((r) => r.allowed).length).toBe(100);
      });

      registerAlgorithmSemantics(algorithm, makeStore, request, runner);
      registerWindowCases(makeStore, requests, runner);
      registerBlockCases(makeStore, requests, runner);
      registerAdjustCases(algorithm, makeStore, requests, runner);
      registerFastPathCase(algorithm, makeStore, runner);
    });
  }
}
