import { describe, expect, it } from 'vitest';
import { createRateLimiter, type RateLimiter, type RateLimiterOptions } from '../src/index.js';
import { memoryStore } from '../src/stores/memory.js';

type Shape = Pick<RateLimiterOptions, 'defaultRule' | 'blockDuration'>;

/**
 * 10.0.0.1 checks once; then 39 newcomers each use their whole allowance of 5 in a store of 16
 * keys, so the 17th evicts the oldest and any slot a newcomer takes holds a count of 5. Returns
 * 10.0.0.1's next answer, which must start afresh whatever its remembered slot holds now.
 */
async function afterEviction(shape: Shape, name: string) {
  const limiter = createRateLimiter({ store: memoryStore({ maxKeys: 16 }), ...shape });
  const check = (ip: string) => limiter.check({ path: '/api', ip });
  expect((await check('10.0.0.1')).remaining, name).toBe(4);
  for (let n = 2; n <= 40; n++) {
    for (let i = 0; i < 5; i++) await check(`10.0.0.${n}`);
    expect((await check(`10.0.0.${n}`)).allowed, name).toBe(false);
  }
  return check('10.0.0.1');
}

/** 50 callers checked in turn, four rounds: what caller 7 was answered each round. */
async function answersOfOneCaller(limiter: RateLimiter): Promise<boolean[]> {
  const seen: boolean[] = [];
  for (let round = 0; round < 4; round++) {
    for (let n = 0; n < 50; n++) {
      const result = await limiter.check({ path: '/api', ip: `10.1.0.${n}` });
      if (n === 7) seen.push(result.allowed);
    }
  }
  return seen;
}

const ALGORITHMS = ['fixed-window', 'sliding-window', 'token-bucket'] as const;

// The limiter remembers, per caller, the memory store's slot of its key and skips the store's
// index when that slot still holds the key. A slot freed and given to another caller must
// never be read as the first caller's.
describe('remembered memory-store slots', () => {
  it("never reads another caller's count from a slot that changed hands, in any window or block", async () => {
    const shapes: Record<string, Shape> = {
      'one window': { defaultRule: { limit: 5, period: 3600 } },
      'two windows': {
        defaultRule: [
          { limit: 5, period: 60 },
          { limit: 8, period: 3600 },
        ],
      },
      'one window and a block': { defaultRule: { limit: 5, period: 3600 }, blockDuration: 7200 },
    };
    for (const [name, shape] of Object.entries(shapes)) {
      const again = await afterEviction(shape, name);
      expect(again.allowed, name).toBe(true);
      expect(again.remaining, name).toBe(4);
    }
  });

  it('keeps counting in the right slot for every algorithm while callers come and go', async () => {
    for (const algorithm of ALGORITHMS) {
      const limiter = createRateLimiter({
        store: memoryStore({ maxKeys: 1_000_000 }),
        defaultRule: { limit: 3, period: 3600 },
        algorithm,
      });
      expect(await answersOfOneCaller(limiter), algorithm).toEqual([true, true, true, false]);
    }
  });

  it('counts each caller in each window of a rule of several while callers come and go', async () => {
    for (const algorithm of ALGORITHMS) {
      const store = memoryStore({ maxKeys: 1_000_000 });
      const minuteAndHour = [
        { limit: 4, period: 60 },
        { limit: 3, period: 3600 },
      ];
      const limiter = createRateLimiter({ store, defaultRule: minuteAndHour, algorithm });
      expect(await answersOfOneCaller(limiter), algorithm).toEqual([true, true, true, false]);
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
