import { describe, expect, it, vi } from 'vitest';
import { createRateLimiter, RateLimiterError, type RateLimitStore } from '../src/index.js';
import { memoryStore } from '../src/stores/memory.js';
import { recordingLogger } from './support/logger.js';

const user = { id: '42', tier: 'pro' };

/** A memory store that counts how often the limiter reached it. */
function countingStore(): RateLimitStore & { calls: number } {
  const inner = memoryStore();
  const store = {
    calls: 0,
    consume: (req: Parameters<RateLimitStore['consume']>[0]) => {
      store.calls++;
      return inner.consume(req);
    },
    peek: inner.peek,
    adjust: inner.adjust,
    reset: inner.reset,
  };
  // Not marked local: the over-limit memo is for shared stores, which this one stands in for.
  return store;
}

describe('createRateLimiter check()', () => {
  it('limits an anonymous caller by IP with the default rule', async () => {
    const limiter = createRateLimiter({
      store: memoryStore(),
      defaultRule: { limit: 2, period: 60 },
    });
    const first = await limiter.check({ path: '/api/v1/tasks/task?page=2', ip: '203.0.113.7' });
    expect(first).toMatchObject({
      allowed: true,
      limit: 2,
      remaining: 1,
      retryAfter: 0,
      subject: 'ip',
      key: 'ratelimit:{ip:203.0.113.7:api_v1_tasks_task}',
      fallback: null,
      cached: false,
      rule: {
        source: 'default',
        name: 'api_v1_tasks:2:60',
        tier: null,
        limit: 2,
        periodMs: 60_000,
      },
    });
    await limiter.check({ path: '/api/v1/tasks/task', ip: '203.0.113.7' });
    const denied = await limiter.check({ path: '/api/v1/tasks/task', ip: '203.0.113.7' });
    expect(denied.allowed).toBe(false);
    expect(denied.retryAfter).toBeGreaterThan(0);
    expect(denied.retryAfter).toBeLessThanOrEqual(60);
    // Another IP has its own budget.
    expect((await limiter.check({ path: '/api/v1/tasks/task', ip: '203.0.113.8' })).allowed).toBe(
      true,
    );
  });

  it("applies the tier's rule for an authenticated user", async () => {
    const logger = recordingLogger();
    const limiter = createRateLimiter({
      store: memoryStore(),
      logger,
      resolveRule: ({ identity, path }) =>
        identity?.tier === 'pro' && path === 'api_v1_tasks_task'
          ? { limit: 3, period: '1 h' }
          : null,
    });
    const result = await limiter.check({
      path: '/api/v1/tasks/task',
      identity: user,
      ip: '1.2.3.4',
    });
    expect(result).toMatchObject({
      limit: 3,
      remaining: 2,
      subject: 'user',
      key: 'ratelimit:{u:42:api_v1_tasks_task}',
      rule: { source: 'tier', tier: 'pro', name: 'api_v1_tasks:3:3600', periodMs: 3_600_000 },
    });
    expect(logger.warnings).toEqual([]);
  });

  it('uses a rule name the app gives', async () => {
    const limiter = createRateLimiter({
      store: memoryStore(),
      resolveRule: () => ({ limit: 3, period: 60, name: 'tasks-pro' }),
    });
    expect((await limiter.check({ path: '/x', identity: user })).rule.name).toBe('tasks-pro');
  });

  it('warns once per user and path when a user falls back to the default rule', async () => {
    const logger = recordingLogger();
    const limiter = createRateLimiter({ store: memoryStore(), logger, resolveRule: () => null });
    const noTier = { id: '7' };
    for (let i = 0; i < 3; i++) {
      const result = await limiter.check({ path: '/api/v1/tasks', identity: noTier });
      expect(result.rule).toMatchObject({ source: 'default', limit: 10, periodMs: 3_600_000 });
    }
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toContain('user "7"');
    expect(logger.warnings[0]).toContain('tier none');
    expect(logger.warnings[0]).toContain('api_v1_tasks');
    await limiter.check({ path: '/api/v1/other', identity: noTier });
    await limiter.check({ path: '/api/v1/tasks', identity: { id: '8', tier: 'free' } });
    expect(logger.warnings).toHaveLength(3);
    expect(logger.warnings[2]).toContain('tier "free"');
  });

  it('warns a user on the default rule again once its window has passed, not before', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const logger = recordingLogger();
      const limiter = createRateLimiter({
        store: memoryStore(),
        logger,
        defaultRule: { limit: 100, period: '10 s' },
        resolveRule: () => null,
      });
      const check = () => limiter.check({ path: '/api/v1/tasks', identity: { id: '42' } });
      vi.setSystemTime(1_000_000);
      await check();
      vi.setSystemTime(1_009_999);
      await check();
      expect(logger.warnings).toHaveLength(1);
      vi.setSystemTime(1_010_000);
      await check();
      expect(logger.warnings).toHaveLength(2);
      expect(logger.warnings[1]).toContain('user "42"');
    } finally {
      vi.useRealTimers();
    }
  });

  it('memoises resolved rules per tier and path until invalidateRules()', async () => {
    const resolveRule = vi.fn(async () => ({ limit: 100, period: 60 }));
    const limiter = createRateLimiter({ store: memoryStore(), resolveRule });
    // Concurrent first requests share one lookup.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limiter.check({ path: '/a', identity: { id: `${i}`, tier: 'pro' } }),
      ),
    );
    await limiter.check({ path: '/a', identity: { id: 'x', tier: 'pro' } });
    expect(resolveRule).toHaveBeenCalledTimes(1);
    await limiter.check({ path: '/a', identity: { id: 'x', tier: 'free' } });
    await limiter.check({ path: '/b', identity: { id: 'x', tier: 'pro' } });
    expect(resolveRule).toHaveBeenCalledTimes(3);
    limiter.invalidateRules();
    await limiter.check({ path: '/a', identity: { id: 'x', tier: 'pro' } });
    expect(resolveRule).toHaveBeenCalledTimes(4);
  });

  it('asks again once ruleCacheTtl has passed, also for the same tier and path as the last check', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      let limit = 5;
      const resolveRule = vi.fn(() => ({ limit, period: 60 }));
      const limiter = createRateLimiter({ store: memoryStore(), resolveRule, ruleCacheTtl: 10 });
      expect((await limiter.check({ path: '/a', identity: user })).limit).toBe(5);
      limit = 7; // the admin edits the tier's rule without invalidateRules()
      vi.advanceTimersByTime(9_999);
      expect((await limiter.check({ path: '/a', identity: user })).limit).toBe(5);
      vi.advanceTimersByTime(1);
      expect((await limiter.check({ path: '/a', identity: user })).limit).toBe(7);
      expect(resolveRule).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps the rules of one path apart by tier, no tier and anonymous, check after check', async () => {
    const limits: Record<string, number> = { pro: 10, free: 1 };
    const resolveRule = vi.fn(({ identity }: { identity: { tier?: string | null } | null }) => {
      if (identity === null) return { limit: 3, period: 60 };
      const limit = identity.tier ? limits[identity.tier] : 2;
      return limit === undefined ? null : { limit, period: 60 };
    });
    const limiter = createRateLimiter({ store: memoryStore(), resolveRule });
    const limitOf = async (identity: { id: string; tier?: string } | undefined) =>
      (await limiter.check({ path: '/a', identity, ip: '10.0.0.1' })).limit;
    for (let round = 0; round < 2; round++) {
      expect(await limitOf({ id: '1', tier: 'pro' })).toBe(10);
      expect(await limitOf({ id: '1', tier: 'free' })).toBe(1);
      expect(await limitOf({ id: '1' })).toBe(2);
      expect(await limitOf(undefined)).toBe(3);
      expect(await limitOf({ id: '1', tier: 'free' })).toBe(1);
    }
    // One lookup per group: the second round came from the memo.
    expect(resolveRule).toHaveBeenCalledTimes(4);
  });

  it('with no resolveRule, applies the default per tier, no tier and anonymous, check after check', async () => {
    const limiter = createRateLimiter({
      store: memoryStore(),
      defaultRule: { limit: 10_000, period: 60 },
      logger: recordingLogger(),
    });
    const tierOf = async (identity: { id: string; tier?: string } | undefined, path = '/a') =>
      (await limiter.check({ path, identity, ip: '10.0.0.1' })).rule.tier;
    for (let round = 0; round < 2; round++) {
      expect(await tierOf({ id: '1', tier: 'pro' })).toBe('pro');
      expect(await tierOf({ id: '1', tier: 'pro' })).toBe('pro');
      expect(await tierOf({ id: '1', tier: 'free' })).toBe('free');
      expect(await tierOf({ id: '1' })).toBe(null);
      expect(await tierOf(undefined)).toBe(null);
      expect(await tierOf({ id: '1', tier: 'free' }, '/b')).toBe('free');
    }
    // A flood of made-up tiers empties the defaults; each still gets its own rule.
    for (let n = 0; n < 1100; n++) expect(await tierOf({ id: '1', tier: `t${n}` })).toBe(`t${n}`);
    expect(await tierOf({ id: '1', tier: 'pro' })).toBe('pro');
    expect(await tierOf(undefined)).toBe(null);
  });

  it('does not memoise a lookup that was in flight when invalidateRules() ran', async () => {
    let limit = 1;
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const resolveRule = vi.fn(async () => {
      const seen = limit; // read before the admin's edit lands
      await gate;
      return { limit: seen, period: 60 };
    });
    const limiter = createRateLimiter({ store: memoryStore(), resolveRule });
    const first = limiter.check({ path: '/a', identity: user });
    limit = 50; // the admin raises the tier's rule...
    limiter.invalidateRules(); // ...and invalidates while the old lookup is still running
    release();
    expect((await first).limit).toBe(1);
    const next = await limiter.check({ path: '/a', identity: user });
    expect(next.limit).toBe(50);
    expect(resolveRule).toHaveBeenCalledTimes(2);
  });

  it('asks resolveRule on every request when ruleCacheTtl is 0', async () => {
    const resolveRule = vi.fn(() => ({ limit: 100, period: 60 }));
    const limiter = createRateLimiter({ store: memoryStore(), resolveRule, ruleCacheTtl: 0 });
    for (let i = 0; i < 3; i++) await limiter.check({ path: '/a', identity: user });
    expect(resolveRule).toHaveBeenCalledTimes(3);
  });

  it('falls back to the default rule, logging, when resolveRule throws or returns nonsense', async () => {
    const logger = recordingLogger();
    let fail = true;
    const resolveRule = vi.fn(() => {
      if (fail) throw new Error('db down');
      return { limit: -1, period: 60 };
    });
    const limiter = createRateLimiter({ store: memoryStore(), resolveRule, logger });
    const result = await limiter.check({ path: '/a', identity: user });
    expect(result.allowed).toBe(true);
    expect(result.rule.source).toBe('default');
    expect(logger.errors[0]).toContain('resolveRule failed');
    // A failed lookup is not memoised.
    fail = false;
    const invalid = await limiter.check({ path: '/a', identity: user });
    expect(resolveRule).toHaveBeenCalledTimes(2);
    expect(invalid.rule.source).toBe('default');
    expect(logger.errors[1]).toContain('invalid rule');
  });

  it('applies the default rule, logging, when resolveRule is slower than ruleTimeout', async () => {
    const logger = recordingLogger();
    let hang = true;
    const resolveRule = vi.fn(() =>
      hang ? new Promise<never>(() => {}) : { limit: 100, period: 60 },
    );
    const limiter = createRateLimiter({
      store: memoryStore(),
      defaultRule: { limit: 3, period: 60 },
      resolveRule,
      ruleTimeout: '30 ms',
      logger,
    });
    const started = performance.now();
    const [a, b] = await Promise.all([
      limiter.check({ path: '/a', identity: user }),
      limiter.check({ path: '/a', identity: user }),
    ]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    expect(a.rule).toMatchObject({ source: 'default', limit: 3 });
    expect(b.remaining).toBe(1);
    // Concurrent requests shared the one hung lookup, and the timeout was logged once.
    expect(resolveRule).toHaveBeenCalledTimes(1);
    expect(logger.errors).toHaveLength(1);
    expect(logger.errors[0]).toContain('resolveRule did not answer within 30 ms');
    // A timed-out lookup is not memoised: the next request asks again and gets the tier's rule.
    hang = false;
    const next = await limiter.check({ path: '/a', identity: user });
    expect(resolveRule).toHaveBeenCalledTimes(2);
    expect(next.rule).toMatchObject({ source: 'tier', limit: 100 });
  });

  it('answers callers over the limit from memory without reaching the store', async () => {
    const store = countingStore();
    const limiter = createRateLimiter({ store, defaultRule: { limit: 1, period: 60 } });
    await limiter.check({ path: '/a', ip: '1.1.1.1' });
    const denied = await limiter.check({ path: '/a', ip: '1.1.1.1' });
    expect(denied.cached).toBe(false);
    expect(store.calls).toBe(2);
    for (let i = 0; i < 50; i++) {
      const again = await limiter.check({ path: '/a', ip: '1.1.1.1' });
      expect(again).toMatchObject({ allowed: false, cached: true, remaining: 0 });
      expect(again.retryAfter).toBeGreaterThan(0);
    }
    expect(store.calls).toBe(2);
  });

  it('judges a blocked caller again as soon as its rule changes', async () => {
    const store = countingStore();
    const limits: Record<string, number> = { free: 1, pro: 5 };
    const limiter = createRateLimiter({
      store,
      resolveRule: ({ identity }) => ({ limit: limits[identity?.tier ?? ''] ?? 1, period: 3600 }),
    });
    const free = { id: '7', tier: 'free' };
    expect((await limiter.check({ path: '/a', identity: free })).allowed).toBe(true);
    expect((await limiter.check({ path: '/a', identity: free })).allowed).toBe(false);
    expect((await limiter.check({ path: '/a', identity: free })).cached).toBe(true);
    // The app moved the user to pro: the memo of the old refusal must not outlive the change.
    const moved = await limiter.check({ path: '/a', identity: { id: '7', tier: 'pro' } });
    expect(moved).toMatchObject({ allowed: true, cached: false, limit: 5 });
    // The app raised free's limit and said so: the next request is judged by the store.
    await limiter.check({ path: '/a', identity: { id: '8', tier: 'free' } });
    expect((await limiter.check({ path: '/a', identity: { id: '8', tier: 'free' } })).allowed).toBe(
      false,
    );
    limits.free = 3;
    limiter.invalidateRules();
    const raised = await limiter.check({ path: '/a', identity: { id: '8', tier: 'free' } });
    expect(raised).toMatchObject({ allowed: true, cached: false, limit: 3 });
  });

  it('still asks the store for a cheaper request than the one that was denied', async () => {
    const store = countingStore();
    const limiter = createRateLimiter({ store, defaultRule: { limit: 10, period: 60 } });
    await limiter.check({ path: '/a', ip: '1.1.1.1', cost: 8 });
    expect((await limiter.check({ path: '/a', ip: '1.1.1.1', cost: 5 })).allowed).toBe(false);
    expect((await limiter.check({ path: '/a', ip: '1.1.1.1', cost: 6 })).cached).toBe(true);
    expect((await limiter.check({ path: '/a', ip: '1.1.1.1', cost: 2 })).allowed).toBe(true);
  });

  it('peeks without consuming and resets a caller', async () => {
    const limiter = createRateLimiter({
      store: memoryStore(),
      defaultRule: { limit: 2, period: 60 },
    });
    const input = { path: '/a', identity: { id: 'u1' } };
    expect((await limiter.peek(input)).remaining).toBe(2);
    await limiter.check(input);
    await limiter.check(input);
    expect((await limiter.check(input)).allowed).toBe(false);
    expect((await limiter.peek(input)).allowed).toBe(false);
    await limiter.reset(input);
    expect((await limiter.peek(input)).remaining).toBe(2);
    expect((await limiter.check(input)).allowed).toBe(true);
  });

  it('admits exactly 100 of 2,000 concurrent checks with limit 100', async () => {
    const limiter = createRateLimiter({
      store: memoryStore(),
      defaultRule: { limit: 100, period: 3600 },
    });
    const results = await Promise.all(
      Array.from({ length: 2000 }, () => limiter.check({ path: '/a', ip: '9.9.9.9' })),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(100);
  });

  it('treats an identity without an id as anonymous', async () => {
    const limiter = createRateLimiter({ store: memoryStore() });
    const result = await limiter.check({ path: '/a', identity: { id: '' }, ip: '1.2.3.4' });
    expect(result.subject).toBe('ip');
  });

  it('rejects a malformed call with E_INVALID_ARGUMENT', async () => {
    const limiter = createRateLimiter({ store: memoryStore() });
    await expect(limiter.check({} as never)).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    await expect(limiter.check({ path: '/a', ip: '1.1.1.1', cost: 0 })).rejects.toBeInstanceOf(
      RateLimiterError,
    );
  });
});
