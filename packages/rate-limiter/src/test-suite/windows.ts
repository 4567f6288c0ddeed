import type { SuiteRunner } from '@kit/internal';
import type { RateLimitStore } from '../types.js';
import type { Requests } from './request.js';
import { roomInWindow, sleep, uniqueKey } from './time.js';

const HOUR = 3_600_000;

/** Several windows in one request: all or none, which window is reported, each on its period. */
export function registerWindowCases(
  makeStore: () => RateLimitStore | Promise<RateLimitStore>,
  { many }: Requests,
  { it, expect }: SuiteRunner,
): void {
  it('counts in every window or in none: a refusal by one window counts nothing in another', async () => {
    const store = await makeStore();
    await roomInWindow(2 * HOUR, 5_000);
    const key = uniqueKey('all-or-none');
    const windows = [
      { limit: 3, periodMs: HOUR },
      { limit: 4, periodMs: 2 * HOUR },
    ];
    const first = await store.consume(many(key, windows, 2));
    expect(first.allowed).toBe(true);
    // The first window has 1 left, the second 2: the first is reported.
    expect(first.window).toBe(0);
    expect(first.remaining).toBe(1);
    const refused = await store.consume(many(key, windows, 2));
    expect(refused.allowed).toBe(false);
    expect(refused.window).toBe(0);
    expect(refused.remaining).toBe(1);
    // Had the refusal counted in the second window, it would be full now and refuse this.
    const last = await store.consume(many(key, windows, 1));
    expect(last.allowed).toBe(true);
    expect(last.window).toBe(0);
    expect(last.remaining).toBe(0);
    const fourth = await store.consume(many(key, windows, 1));
    expect(fourth.allowed).toBe(false);
  });

  it('counts nothing in an earlier window when a later one refuses', async () => {
    const store = await makeStore();
    await roomInWindow(2 * HOUR, 5_000);
    const key = uniqueKey('later-refuses');
    const windows = [
      { limit: 2, periodMs: HOUR },
      { limit: 1, periodMs: 2 * HOUR },
    ];
    const { algorithm } = many(key, windows);
    await store.consume(many(key, windows));
    const refused = await store.consume(many(key, windows));
    expect(refused.allowed).toBe(false);
    expect(refused.window).toBe(1);
    await store.adjust({ key, algorithm, windows, points: -1 });
    // Both windows empty again: the second has fewer left. Had the refusal counted in the
    // first, both would have 0 left after this, and the first would be reported.
    const after = await store.consume(many(key, windows));
    expect(after.allowed).toBe(true);
    expect(after.window).toBe(1);
    expect(after.remaining).toBe(0);
  });

  it('reports the window with the fewest units left, or the refusing one, by index', async () => {
    const store = await makeStore();
    await roomInWindow(2 * HOUR, 5_000);
    const key = uniqueKey('reported');
    const windows = [
      { limit: 5, periodMs: HOUR },
      { limit: 3, periodMs: 2 * HOUR },
    ];
    const before = Date.now();
    const first = await store.consume(many(key, windows));
    expect(first.window).toBe(1);
    expect(first.remaining).toBe(2);
    expect(first.resetAt).toBeGreaterThan(Date.now() + 5_000);
    // `at` is the store's clock; the stores under test share this machine's.
    expect(first.at).toBeGreaterThanOrEqual(before - 50);
    expect(first.at).toBeLessThanOrEqual(Date.now() + 50);
    await store.consume(many(key, windows, 2));
    const refused = await store.consume(many(key, windows));
    expect(refused.allowed).toBe(false);
    expect(refused.window).toBe(1);
    expect(refused.remaining).toBe(0);
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    // Equal units left: the shortest period is reported.
    const tie = uniqueKey('tie');
    const even = [
      { limit: 3, periodMs: HOUR },
      { limit: 3, periodMs: 2 * HOUR },
    ];
    const tied = await store.consume(many(tie, even));
    expect(tied.window).toBe(0);
    expect(tied.remaining).toBe(2);
  });

  it('reports, among refusing windows, the one that refuses longest', async () => {
    const store = await makeStore();
    await roomInWindow(HOUR, 5_000);
    const key = uniqueKey('longest');
    const windows = [
      { limit: 1, periodMs: 300 },
      { limit: 1, periodMs: HOUR },
    ];
    await store.consume(many(key, windows));
    const refused = await store.consume(many(key, windows));
    expect(refused.allowed).toBe(false);
    expect(refused.window).toBe(1);
    expect(refused.retryAfterMs).toBeGreaterThan(5_000);
  });

  it('lets each window recover on its own period', async () => {
    const store = await makeStore();
    await roomInWindow(3_000, 1_500);
    await roomInWindow(300, 150);
    const key = uniqueKey('own-period');
    const windows = [
      { limit: 2, periodMs: 300 },
      { limit: 3, periodMs: 3_000 },
    ];
    await store.consume(many(key, windows));
    await store.consume(many(key, windows));
    const short = await store.consume(many(key, windows));
    expect(short.allowed).toBe(false);
    expect(short.window).toBe(0);
    expect(short.retryAfterMs).toBeLessThanOrEqual(600);
    await sleep(short.retryAfterMs + 20);
    // The short window has room again; the long one still holds its two, so takes one more.
    expect((await store.consume(many(key, windows))).allowed).toBe(true);
    const long = await store.consume(many(key, windows));
    expect(long.allowed).toBe(false);
    expect(long.window).toBe(1);
    expect(long.retryAfterMs).toBeGreaterThan(600);
  });

  it('admits exactly the tighter limit of 2,000 concurrent checks on two windows', async () => {
    const store = await makeStore();
    await roomInWindow(2 * HOUR, 10_000);
    const key = uniqueKey('concurrency-windows');
    // The tighter window is the second, so a store checking only the first admits 100.
    const windows = [
      { limit: 100, periodMs: HOUR },
      { limit: 50, periodMs: 2 * HOUR },
    ];
    const results = await Promise.all(
      Array.from({ length: 2000 }, () => store.consume(many(key, windows))),
    );
    expect(results.filter((r) => r.allowed).length).toBe(50);
    expect(results.filter((r) => !r.allowed && r.window !== 1)).toEqual([]);
    // With the 50 given back, both windows are empty unless refusals counted in the first.
    const { algorithm } = many(key, windows);
    await store.adjust({ key, algorithm, windows, points: -50 });
    const after = await store.peek(many(key, windows));
    expect(after.window).toBe(1);
    expect(after.remaining).toBe(50);
  });

  it('reset forgets every window of a key', async () => {
    const store = await makeStore();
    await roomInWindow(2 * HOUR, 5_000);
    const key = uniqueKey('reset-windows');
    const windows = [
      { limit: 3, periodMs: HOUR },
      { limit: 2, periodMs: 2 * HOUR },
    ];
    await store.consume(many(key, windows, 2));
    expect((await store.consume(many(key, windows))).allowed).toBe(false);
    await store.reset({ key, windows });
    // Either window left as it was would refuse a cost of 2.
    const after = await store.consume(many(key, windows, 2));
    expect(after.allowed).toBe(true);
    expect(after.window).toBe(1);
    expect(after.remaining).toBe(0);
  });
}
