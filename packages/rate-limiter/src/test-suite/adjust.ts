import type { SuiteRunner } from '@kit/internal';
import type { Algorithm, RateLimitStore } from '../types.js';
import type { Requests } from './request.js';
import { roomInWindow, sleep, uniqueKey } from './time.js';

const HOUR = 3_600_000;

/** `adjust`: penalties past the limit, refunds never below 0, `at` scoping a refund. */
export function registerAdjustCases(
  algorithm: Algorithm,
  makeStore: () => RateLimitStore | Promise<RateLimitStore>,
  { one, many }: Requests,
  { it, expect }: SuiteRunner,
): void {
  it('adds a penalty to every window past its limit, and a refund never below 0', async () => {
    const store = await makeStore();
    await roomInWindow(2 * HOUR, 5_000);
    const key = uniqueKey('penalty');
    const windows = [
      { limit: 10, periodMs: HOUR },
      { limit: 5, periodMs: 2 * HOUR },
    ];
    await store.adjust({ key, algorithm, windows, points: 3 });
    // Had only the first window been charged, it would be reported with 7 left.
    const charged = await store.peek(many(key, windows));
    expect(charged.window).toBe(1);
    expect(charged.remaining).toBe(2);
    await store.adjust({ key, algorithm, windows, points: 10 });
    const over = await store.consume(many(key, windows));
    expect(over.allowed).toBe(false);
    expect(over.remaining).toBe(0);
    await store.adjust({ key, algorithm, windows, points: -100 });
    const back = await store.peek(many(key, windows));
    expect(back.allowed).toBe(true);
    expect(back.window).toBe(1);
    expect(back.remaining).toBe(5);
    expect((await store.consume(many(key, windows, 5))).remaining).toBe(0);
    expect((await store.consume(many(key, windows))).allowed).toBe(false);
  });

  it('expires a penalty on a fresh key as it would a consume', async () => {
    const store = await makeStore();
    await roomInWindow(200, 80);
    const key = uniqueKey('penalty-expiry');
    const windows = [{ limit: 3, periodMs: 200 }];
    await store.adjust({ key, algorithm, windows, points: 4 });
    expect((await store.peek(one(key, 3, 200))).allowed).toBe(false);
    await sleep(2 * 200 + 30);
    expect((await store.peek(one(key, 3, 200))).remaining).toBe(3);
  });

  it('gives a refund with `at` back to the window the consume counted in', async () => {
    const store = await makeStore();
    await roomInWindow(HOUR, 5_000);
    const key = uniqueKey('refund');
    const windows = [{ limit: 3, periodMs: HOUR }];
    const spent = await store.consume(one(key, 3, HOUR, 3));
    expect((await store.consume(one(key, 3, HOUR))).allowed).toBe(false);
    await store.adjust({ key, algorithm, windows, points: -3, at: spent.at });
    expect((await store.consume(one(key, 3, HOUR, 3))).allowed).toBe(true);
  });

  it('gives nothing to the current window for a refund with `at` of an older one', async () => {
    const store = await makeStore();
    const period = 300;
    const key = uniqueKey('refund-old');
    const windows = [{ limit: 2, periodMs: period }];
    const old = await store.consume(one(key, 2, period, 2));
    expect(old.allowed).toBe(true);
    // Two windows on (a sliding window's previous counter no longer holds `at`'s window) and a
    // period after `at` (the bucket has refilled since).
    await sleep(2 * period + 20);
    await roomInWindow(period, 150);
    expect((await store.consume(one(key, 2, period, 2))).allowed).toBe(true);
    await store.adjust({ key, algorithm, windows, points: -2, at: old.at });
    const after = await store.peek(one(key, 2, period));
    expect(after.allowed).toBe(false);
    expect(after.remaining).toBe(0);
  });
}
