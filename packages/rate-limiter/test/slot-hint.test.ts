import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../src/index.js';
import { memoryStore } from '../src/stores/memory.js';

// The limiter remembers, per caller, the memory store's slot of its key and skips the store's
// index when that slot still holds the key. A slot freed and given to another caller must
// never be read as the first caller's.
describe('remembered memory-store slots', () => {
  it("never reads another caller's count from a slot that changed hands", async () => {
    // maxKeys 16: the 17th caller evicts the oldest, whose slot goes to a newcomer.
    const limiter = createRateLimiter({
      store: memoryStore({ maxKeys: 16 }),
      defaultRule: { limit: 5, period: 3600 },
    });
    const check = (ip: string) => limiter.check({ path: '/api', ip });
    expect((await check('10.0.0.1')).remaining).toBe(4);
    // Newcomers use their whole allowance, so any slot they take holds a count of 5.
    for (let n = 2; n <= 40; n++) {
      for (let i = 0; i < 5; i++) await check(`10.0.0.${n}`);
      expect((await check(`10.0.0.${n}`)).allowed).toBe(false);
    }
    // 10.0.0.1 was evicted long ago: it starts afresh, whatever its remembered slot holds now.
    const again = await check('10.0.0.1');
    expect(again.allowed).toBe(true);
    expect(again.remaining).toBe(4);
  });

  it('keeps counting in the right slot for every algorithm while callers come and go', async () => {
    for (const algorithm of ['fixed-window', 'sliding-window', 'token-bucket'] as const) {
      const limiter = createRateLimiter({
        store: memoryStore({ maxKeys: 1_000_000 }),
        defaultRule: { limit: 3, period: 3600 },
        algorithm,
      });
      const seen: boolean[] = [];
      for (let round = 0; round < 4; round++) {
        for (let n = 0; n < 50; n++) {
          const result = await limiter.check({ path: '/api', ip: `10.1.0.${n}` });
          if (n === 7) seen.push(result.allowed);
        }
      }
      expect(seen, algorithm).toEqual([true, true, true, false]);
    }
  });

  it("never reads another caller's counts in any window of a rule of several, nor in a block", async () => {
    const rules = {
      'two windows': {
        defaultRule: [
          { limit: 5, period: 60 },
          { limit: 8, period: 3600 },
        ],
      },
      'one window and a block': { defaultRule: { limit: 5, period: 3600 }, blockDuration: 7200 },
    };
    for (const [name, options] of Object.entries(rules)) {
      const limiter = createRateLimiter({ store: memoryStore({ maxKeys: 16 }), ...options });
      const check = (ip: string) => limiter.check({ path: '/api', ip });
      expect((await check('10.0.0.1')).remaining, name).toBe(4);
      for (let n = 2; n <= 40; n++) {
        for (let i = 0; i < 5; i++) await check(`10.0.0.${n}`);
        expect((await check(`10.0.0.${n}`)).allowed, name).toBe(false);
      }
      const again = await check('10.0.0.1');
      expect(again.allowed, name).toBe(true);
      expect(again.remaining, name).toBe(4);
    }
  });

  it('counts each caller in each window of a rule of several while callers come and go', async () => {
    for (const algorithm of ['fixed-window', 'sliding-window', 'token-bucket'] as const) {
      const store = memoryStore({ maxKeys: 1_000_000 });
      const limiter = createRateLimiter({
        store,
        defaultRule: [
          { limit: 4, period: 60 },
          { limit: 3, period: 3600 },
        ],
        algorithm,
      });
      const seen: boolean[] = [];
      for (let round = 0; round < 4; round++) {
        for (let n = 0; n < 50; n++) {
          const result = await limiter.check({ path: '/api', ip: `10.1.0.${n}` });
          if (n === 7) seen.push(result.allowed);
        }
      }
      expect(seen, algorithm).toEqual([true, true, true, false]);
      // The first window is kept as a one-window rule of its period would keep it: 3 of 4
      // used, the refused fourth check having given back what it counted there.
      const minuteOnly = createRateLimiter({
        store,
        defaultRule: { limit: 4, period: 60 },
        algorithm,
      });
      const minute = await minuteOnly.peek({ path: '/api', ip: '10.1.0.7' });
      expect(minute.remaining, algorithm).toBe(1);
    }
  });
});
