import { describe, expect, it } from 'vitest';
import { checkNowOf } from '../src/check-now.js';
import { createRateLimiter, type RateLimiter } from '../src/index.js';
import { memoryStore } from '../src/stores/memory.js';

describe('checkNowOf', () => {
  it("answers a memory-store limiter's check at once, as check() would", async () => {
    const limiter = createRateLimiter({
      store: memoryStore(),
      defaultRule: { limit: 2, period: 60 },
    });
    const now = checkNowOf(limiter);
    const first = now({ path: '/a', ip: '192.0.2.1' });
    expect(first).not.toBeInstanceOf(Promise);
    expect(first).toMatchObject({ allowed: true, remaining: 1 });
    expect(await limiter.check({ path: '/a', ip: '192.0.2.1' })).toMatchObject({ remaining: 0 });
    expect(now({ path: '/a', ip: '192.0.2.1' })).toMatchObject({ allowed: false, remaining: 0 });
    expect(() => now({ path: 5 as never })).toThrow(/needs \{ path: string/);
  });

  it("falls back to any other limiter's check(), as a promise", async () => {
    const inner = createRateLimiter({ store: memoryStore() });
    const wrapper: RateLimiter = { ...inner, check: (input) => inner.check(input) };
    const answer = checkNowOf(wrapper)({ path: '/a', ip: '192.0.2.1' });
    expect(answer).toBeInstanceOf(Promise);
    expect(await answer).toMatchObject({ allowed: true, remaining: 9 });
  });
});
