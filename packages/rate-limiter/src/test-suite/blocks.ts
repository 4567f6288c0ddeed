import type { SuiteRunner } from '@kit/internal';
import type { RateLimitStore } from '../types.js';
import type { Requests } from './request.js';
import { roomInWindow, sleep, uniqueKey } from './time.js';

const HOUR = 3_600_000;

/** `blockMs`: a refused consume blocks the key, whatever its windows say, until it ends. */
export function registerBlockCases(
  makeStore: () => RateLimitStore | Promise<RateLimitStore>,
  { many }: Requests,
  { it, expect }: SuiteRunner,
): void {
  it('refuses every check while blocked, even once the window has reset, then admits', async () => {
    const store = await makeStore();
    await roomInWindow(200, 100);
    const key = uniqueKey('block');
    const windows = [{ limit: 1, periodMs: 200 }];
    expect((await store.consume(many(key, windows, 1, 700))).allowed).toBe(true);
    const refused = await store.consume(many(key, windows, 1, 700));
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(650);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(700);
    // Every algorithm's window would admit again by now (a sliding one after two periods).
    await sleep(450);
    const blocked = await store.consume(many(key, windows, 1, 700));
    expect(blocked.allowed).toBe(false);
    expect(blocked.remaining).toBe(0);
    expect(blocked.retryAfterMs).toBeGreaterThan(0);
    expect(blocked.retryAfterMs).toBeLessThanOrEqual(700 - 450 + 20);
    expect(Math.abs(blocked.resetAt - (blocked.at + blocked.retryAfterMs))).toBeLessThanOrEqual(1);
    const peeked = await store.peek(many(key, windows, 1, 700));
    expect(peeked.allowed).toBe(false);
    expect(peeked.retryAfterMs).toBeLessThanOrEqual(blocked.retryAfterMs);
    await sleep(blocked.retryAfterMs + 20);
    expect((await store.consume(many(key, windows, 1, 700))).allowed).toBe(true);
  });

  it('counts nothing while blocked, and a refused peek blocks nothing', async () => {
    const store = await makeStore();
    await roomInWindow(HOUR, 5_000);
    const key = uniqueKey('block-count');
    const windows = [{ limit: 3, periodMs: HOUR }];
    expect((await store.peek(many(key, windows, 4, 300))).allowed).toBe(false);
    expect((await store.consume(many(key, windows, 2, 300))).remaining).toBe(1);
    expect((await store.consume(many(key, windows, 2, 300))).allowed).toBe(false);
    // Cost 1 would fit in the window: only the block refuses it.
    const blocked = await store.consume(many(key, windows, 1, 300));
    expect(blocked.allowed).toBe(false);
    expect(blocked.retryAfterMs).toBeLessThanOrEqual(300);
    expect((await store.peek(many(key, windows, 1, 300))).allowed).toBe(false);
    await sleep(blocked.retryAfterMs + 20);
    const after = await store.consume(many(key, windows, 1, 300));
    expect(after.allowed).toBe(true);
    expect(after.remaining).toBe(0);
  });

  it('reports the window that refused for the whole block, and reset clears the block', async () => {
    const store = await makeStore();
    await roomInWindow(2 * HOUR, 5_000);
    const key = uniqueKey('block-reset');
    const windows = [
      { limit: 5, periodMs: HOUR },
      { limit: 1, periodMs: 2 * HOUR },
    ];
    await store.consume(many(key, windows, 1, 60_000));
    expect((await store.consume(many(key, windows, 1, 60_000))).window).toBe(1);
    const blocked = await store.consume(many(key, windows, 1, 60_000));
    expect(blocked.allowed).toBe(false);
    expect(blocked.window).toBe(1);
    expect(blocked.retryAfterMs).toBeGreaterThan(55_000);
    expect(blocked.retryAfterMs).toBeLessThanOrEqual(60_000);
    await store.reset({ key, windows });
    expect((await store.consume(many(key, windows, 1, 60_000))).allowed).toBe(true);
  });
}
