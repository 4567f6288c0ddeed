import { describe, expect, it } from 'vitest';
import { memoryStore } from '../../src/stores/memory.js';
import { runRateLimitStoreSuite } from '../../src/test-suite/index.js';
import { sleep } from '../support/time.js';

const store = memoryStore();
runRateLimitStoreSuite({ describe, it, expect }, { name: 'memory', makeStore: () => store });

describe('memory store bounds', () => {
  it('never tracks more than maxKeys per algorithm under a flood of unique keys', async () => {
    const small = memoryStore({ maxKeys: 2048 });
    for (let i = 0; i < 20_000; i++) {
      await small.consume({
        key: `flood:${i}`,
        algorithm: 'fixed-window',
        windows: [{ limit: 5, periodMs: 3_600_000 }],
        cost: 1,
        blockMs: 0,
      });
      expect(small.size).toBeLessThanOrEqual(2048);
    }
    // The most recent callers are still counted.
    const last = await small.peek({
      key: 'flood:19999',
      algorithm: 'fixed-window',
      windows: [{ limit: 5, periodMs: 3_600_000 }],
      cost: 1,
      blockMs: 0,
    });
    expect(last.remaining).toBe(4);
  });

  it('reclaims expired keys as new ones arrive', async () => {
    const small = memoryStore({ maxKeys: 100_000 });
    for (let i = 0; i < 5000; i++) {
      await small.consume({
        key: `old:${i}`,
        algorithm: 'token-bucket',
        // A full bucket refills in one period: long enough that none expires during this loop
        // on a loaded machine (a one-token bucket refilled in 10 ms did, now and then).
        windows: [{ limit: 5, periodMs: 500 }],
        cost: 5,
        blockMs: 0,
      });
    }
    expect(small.size).toBe(5000);
    await sleep(550);
    for (let i = 0; i < 6000; i++) {
      await small.consume({
        key: `new:${i}`,
        algorithm: 'token-bucket',
        windows: [{ limit: 5, periodMs: 60_000 }],
        cost: 1,
        blockMs: 0,
      });
    }
    expect(small.size).toBeLessThan(11_000);
    expect(small.size).toBeGreaterThanOrEqual(6000);
  });

  it('keeps the first window’s count when a rule gains a window, and bounds each window', async () => {
    const small = memoryStore({ maxKeys: 64 });
    const one = [{ limit: 5, periodMs: 3_600_000 }];
    const two = [...one, { limit: 50, periodMs: 86_400_000 }];
    const request = (key: string, windows: typeof one, cost = 1) =>
      ({ key, algorithm: 'sliding-window', windows, cost, blockMs: 0 }) as const;
    await small.consume(request('grown', one, 3));
    const grown = await small.consume(request('grown', two));
    expect(grown.window).toBe(0);
    expect(grown.remaining).toBe(1);
    for (let i = 0; i < 1000; i++) await small.consume(request(`many:${i}`, two));
    // Two windows, a table each, each bounded by maxKeys.
    expect(small.size).toBeLessThanOrEqual(2 * 64);
  });

  it('rejects a bad maxKeys at creation, naming the option', () => {
    expect(() => memoryStore({ maxKeys: 0 })).toThrow(/`maxKeys`/);
  });
});

describe('memory store, rules of several windows', () => {
  const request = (windows: { limit: number; periodMs: number }[], key = 'k') => ({
    key,
    algorithm: 'fixed-window' as const,
    windows,
    cost: 1,
    blockMs: 0,
  });

  it('counts in the tables of the periods asked, when a caller reuses one windows array', async () => {
    const store = memoryStore();
    const windows = [
      { limit: 5, periodMs: 60_000 },
      { limit: 2, periodMs: 3_600_000 },
    ];
    expect((await store.consume(request(windows))).remaining).toBe(1);
    expect((await store.consume(request(windows))).remaining).toBe(0);
    // Same array, another second window: a day that has counted nothing yet.
    windows[1] = { limit: 2, periodMs: 86_400_000 };
    const day = await store.consume(request(windows));
    expect(day.allowed).toBe(true);
    expect(day.remaining).toBe(1);
    expect(day.window).toBe(1);
    // And back: the hour still holds its two.
    windows[1] = { limit: 2, periodMs: 3_600_000 };
    expect((await store.consume(request(windows))).allowed).toBe(false);
  });

  it('starts afresh after clear(), in every window', async () => {
    const store = memoryStore();
    const windows = [
      { limit: 3, periodMs: 60_000 },
      { limit: 1, periodMs: 3_600_000 },
    ];
    expect((await store.consume(request(windows))).allowed).toBe(true);
    expect((await store.consume(request(windows))).allowed).toBe(false);
    expect(store.size).toBe(2);
    store.clear();
    expect(store.size).toBe(0);
    expect((await store.consume(request(windows))).allowed).toBe(true);
    expect(store.size).toBe(2);
  });
});
