import { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createRateLimiter, type RateLimiterOptions, type RateLimitStore } from '../src/index.js';
import { memoryStore } from '../src/stores/memory.js';
import { redisStore } from '../src/stores/redis.js';
import { recordingLogger } from './support/logger.js';
import { nextWindow, roomInWindow, secondsToWindowEnd, sleep, uniqueKey } from './support/time.js';

// Two clients: two processes of one app, sharing one Redis.
const clients = [new Redis(inject('redisUrl')), new Redis(inject('redisUrl'))] as const;
afterAll(() => Promise.all(clients.map((client) => client.quit())));
// Checks count in fixed windows of an hour or a day, which must not roll over mid-test.
beforeEach(async () => {
  await roomInWindow(86_400_000, 5_000);
  await roomInWindow(3_600_000, 5_000);
});

const backends = [
  {
    name: 'memory',
    // One store object: two limiters of one process.
    stores(): [RateLimitStore, RateLimitStore] {
      const store = memoryStore();
      return [store, store];
    },
  },
  {
    name: 'redis',
    stores: (): [RateLimitStore, RateLimitStore] => [
      redisStore({ client: clients[0] }),
      redisStore({ client: clients[1] }),
    ],
  },
];

const input = { path: '/api/v1/tasks', ip: '203.0.113.7' };
type Options = Omit<RateLimiterOptions, 'store' | 'prefix'>;

/** Two limiters with the same options and key prefix over one shared store (see `backends`). */
function pair(stores: () => [RateLimitStore, RateLimitStore], options: Options) {
  const prefix = uniqueKey('controls').replace(/[{}:]/g, '');
  const [a, b] = stores();
  const made = (store: RateLimitStore) =>
    createRateLimiter({
      storeTimeout: '5 s',
      logger: recordingLogger(),
      ...options,
      store,
      prefix,
    });
  return [made(a), made(b)] as const;
}

describe.each(backends)('limiter controls on the $name store', ({ name, stores }) => {
  it.each([
    [
      [
        { limit: 1000, period: 86400 },
        { limit: 100, period: 3600 },
      ],
      100,
    ],
    [
      [
        { limit: 100, period: 3600 },
        { limit: 30, period: 86400 },
      ],
      30,
    ],
  ])('admits exactly the tighter limit of 2,000 concurrent checks of %j', async (rule, tighter) => {
    const [limiter] = pair(stores, { defaultRule: rule });
    const results = await Promise.all(Array.from({ length: 2000 }, () => limiter.check(input)));
    expect(results.filter((r) => r.allowed)).toHaveLength(tighter);
    expect(results.every((r) => r.fallback === null)).toBe(true);
    const refused = results.find((r) => !r.allowed)!;
    expect(refused.window.limit).toBe(tighter);
    expect(refused.rule.windows.map((w) => w.periodMs)).toEqual([3_600_000, 86_400_000]);
  });

  it('counts a check refused by one window in none of them', async () => {
    const [limiter] = pair(stores, {
      defaultRule: [
        { limit: 3, period: 3600 },
        { limit: 2, period: 1 },
      ],
    });
    // Not across the end of the hour, which would empty the hour window mid-test.
    await roomInWindow(3_600_000, 5_000);
    await roomInWindow(1000, 400);
    const burst = [];
    for (let i = 0; i < 7; i++) burst.push((await limiter.check(input)).allowed);
    expect(burst).toEqual([true, true, false, false, false, false, false]);
    await nextWindow(1000);
    // Had the five refusals counted in the hour window, it would refuse now.
    const next = await limiter.check(input);
    expect(next).toMatchObject({ allowed: true, remaining: 0, window: { periodMs: 3_600_000 } });
    const refused = await limiter.check(input);
    expect(refused.window.periodMs).toBe(3_600_000);
    // Until the hour's end (not "over 60 s": in an hour's last minute it is less).
    const toHourEnd = secondsToWindowEnd(3_600_000);
    expect(refused.retryAfter).toBeGreaterThanOrEqual(toHourEnd - 1);
    expect(refused.retryAfter).toBeLessThanOrEqual(toHourEnd + 1);
  });

  it('keeps a caller refused for blockDuration, on every limiter sharing the store', async () => {
    const [a, b] = pair(stores, { defaultRule: { limit: 1, period: 1 }, blockDuration: '3 s' });
    await roomInWindow(1000, 400);
    expect((await a.check(input)).allowed).toBe(true);
    const refused = await a.check(input);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfter).toBe(3);
    await nextWindow(1000);
    // The window has room again; the block, held in the store, refuses on the other limiter.
    const held = await b.check(input);
    expect(held).toMatchObject({ allowed: false, cached: false });
    expect(held.retryAfter).toBeGreaterThanOrEqual(1);
    expect(held.resetAt).toBeGreaterThan(Date.now() + 500);
    await b.reset(input);
    expect((await b.check(input)).allowed).toBe(true);
  });

  it('shares penalties and rewards between limiters, never taking usage below zero', async () => {
    const [a, b] = pair(stores, { defaultRule: { limit: 5, period: 3600 } });
    await a.penalty(input, 3);
    expect((await b.check(input)).remaining).toBe(1);
    await b.reward(input, 2);
    expect((await a.check(input)).remaining).toBe(2);
    await a.penalty(input, 10);
    expect((await b.check(input)).allowed).toBe(false);
    await b.reward(input, 100);
    expect((await b.check(input)).remaining).toBe(4);
    expect((await a.check(input)).remaining).toBe(3);
    await expect(a.penalty(input, 0)).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });

  it('gives back what an admitted check counted, and nothing for a refusal', async () => {
    const [limiter] = pair(stores, { defaultRule: { limit: 2, period: 3600 } });
    const first = await limiter.check(input);
    await limiter.refund(first);
    expect((await limiter.check(input)).remaining).toBe(1);
    await limiter.check(input);
    const refused = await limiter.check(input);
    await limiter.refund(refused);
    expect((await limiter.peek(input)).remaining).toBe(0);
  });

  it('lets a caller in on every limiter once another rewarded or reset it', async () => {
    const [a, b] = pair(stores, { defaultRule: { limit: 1, period: 3600 } });
    await a.check(input);
    // Refused, and (on Redis) remembered in a's process memory for at most a second.
    expect((await a.check(input)).allowed).toBe(false);
    await b.reward(input, 1);
    if (name === 'redis') await sleep(1_050);
    expect(await a.check(input)).toMatchObject({ allowed: true, cached: false });
    expect((await a.check(input)).allowed).toBe(false);
    await b.reset(input);
    if (name === 'redis') await sleep(1_050);
    expect(await a.check(input)).toMatchObject({ allowed: true, cached: false });
  });

  it('adds a penalty to every window of a rule', async () => {
    const rule = [
      { limit: 10, period: '1 d' as const },
      { limit: 5, period: 3600 },
    ];
    const [a, b] = pair(stores, { defaultRule: rule });
    await a.penalty(input, 3);
    // The hour window has 1 left, the day window 6.
    expect(await b.check(input)).toMatchObject({ remaining: 1, window: { periodMs: 3_600_000 } });
    await a.reward(input, 3);
    expect(await b.check(input)).toMatchObject({ remaining: 3, window: { periodMs: 3_600_000 } });
  });

  it('gives nothing to a window that began after the refunded check', async () => {
    const [limiter] = pair(stores, { defaultRule: { limit: 2, period: 1 } });
    await roomInWindow(1000, 400);
    const old = await limiter.check(input);
    await nextWindow(1000);
    expect((await limiter.check(input)).remaining).toBe(1);
    await limiter.refund(old);
    expect((await limiter.check(input)).remaining).toBe(0);
  });

  it('lets the caller in after a refund, even if a refusal came in while it was on its way', async () => {
    const [limiter] = pair(stores, { defaultRule: { limit: 1, period: 3600 } });
    const first = await limiter.check(input);
    const [, meanwhile] = await Promise.all([limiter.refund(first), limiter.check(input)]);
    // Whichever the store saw first, the refund has landed by now: there is room.
    const after = await limiter.check(input);
    expect([meanwhile.allowed, after.allowed].filter(Boolean)).toHaveLength(1);
  });
});
