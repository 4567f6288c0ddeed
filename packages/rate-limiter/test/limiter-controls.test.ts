import { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest';
import {
  createRateLimiter,
  type DecisionEvent,
  RateLimiterError,
  type RateLimiterOptions,
  type RateLimitStore,
  type RuleContext,
} from '../src/index.js';
import { memoryStore } from '../src/stores/memory.js';
import { redisStore } from '../src/stores/redis.js';
import { recordingLogger } from './support/logger.js';
import { nextWindow, roomInWindow, sleep, uniqueKey } from './support/time.js';

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
    expect(refused.retryAfter).toBeGreaterThan(60);
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

/** A memory store that counts every call the limiter makes to it. */
function countingStore(): RateLimitStore & { calls: number } {
  const inner = memoryStore();
  const counted = { calls: 0 } as RateLimitStore & { calls: number };
  for (const method of ['consume', 'peek', 'adjust', 'reset'] as const) {
    const call = inner[method] as (request: unknown) => Promise<unknown>;
    const counting = (request: unknown) => {
      counted.calls++;
      return call(request);
    };
    Object.assign(counted, { [method]: counting });
  }
  return counted;
}

describe('allow and deny lists', () => {
  it('admits a listed IP, network or user without a store call', async () => {
    const store = countingStore();
    const limiter = createRateLimiter({
      store,
      defaultRule: { limit: 1, period: 3600 },
      allow: { ips: ['10.0.0.0/8', '2001:db8::/32'], users: ['admin'] },
    });
    for (const caller of [
      { ip: '10.1.2.3' },
      { ip: '2001:db8:1::7' },
      { ip: '198.51.100.1', identity: { id: 'admin' } },
      // IPs match whoever the caller is.
      { ip: '10.9.9.9', identity: { id: 'someone' } },
    ]) {
      for (let i = 0; i < 3; i++) {
        const result = await limiter.check({ path: '/api/v1/tasks', ...caller });
        expect(result).toMatchObject({ allowed: true, listed: 'allow', remaining: 1 });
      }
    }
    expect(store.calls).toBe(0);
    const other = await limiter.check({ path: '/api/v1/tasks', ip: '11.0.0.1' });
    expect(other.listed).toBeNull();
    expect(store.calls).toBe(1);
  });

  it('refuses a deny-listed caller without a store call, also in shadow mode', async () => {
    const store = countingStore();
    const limiter = createRateLimiter({
      store,
      mode: 'shadow',
      deny: (check) => check.identity?.id === 'mallory' || check.ip === '203.0.113.66',
    });
    for (const caller of [{ identity: { id: 'mallory' } }, { ip: '203.0.113.66' }]) {
      const result = await limiter.check({ path: '/login', ...caller });
      expect(result).toMatchObject({ allowed: false, listed: 'deny', shadow: false });
      expect(result.retryAfter).toBeGreaterThan(0);
    }
    expect(store.calls).toBe(0);
  });

  it('treats a throwing predicate as "not listed", logged, never a failed check', async () => {
    const logger = recordingLogger();
    const allow = () => {
      throw new Error('lookup down');
    };
    const limiter = createRateLimiter({ store: memoryStore(), allow, logger });
    expect(await limiter.check(input)).toMatchObject({ allowed: true, listed: null });
    expect(logger.errors).toHaveLength(1);
  });
});

describe('shadow mode and decision events', () => {
  it('never refuses in shadow mode, marks what it would have refused, counts, and warns once', async () => {
    const logger = recordingLogger();
    const store = memoryStore();
    const outcomes: string[] = [];
    const shadow = createRateLimiter({
      store,
      logger,
      mode: 'shadow',
      defaultRule: { limit: 2, period: 3600 },
      onDecision: (event) => outcomes.push(event.outcome),
    });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await shadow.check(input));
    expect(results.every((r) => r.allowed && r.retryAfter === 0)).toBe(true);
    expect(results.map((r) => r.shadow)).toEqual([false, false, true, true, true]);
    expect(outcomes).toEqual(['allowed', 'allowed', 'shadow', 'shadow', 'shadow']);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toMatch(/shadow mode: would have refused/);
    // The store counted all along: an enforcing limiter on it refuses.
    const enforcing = createRateLimiter({ store, defaultRule: { limit: 2, period: 3600 } });
    expect((await enforcing.check(input)).allowed).toBe(false);
  });

  it('tells onDecision the outcome, rule, scope and store latency of every check', async () => {
    const events: DecisionEvent[] = [];
    const limiter = createRateLimiter({
      store: memoryStore(),
      defaultRule: { limit: 1, period: 3600 },
      allow: { users: ['admin'] },
      onDecision: (event) => events.push(event),
    });
    await limiter.check(input);
    await limiter.check(input);
    await limiter.peek(input);
    // On the allow list: no store call.
    await limiter.check({ ...input, identity: { id: 'admin' } });
    expect(events.map((e) => [e.outcome, e.rule, e.scope])).toEqual([
      ['allowed', 'api_v1_tasks:1:3600', 'api_v1_tasks'],
      ['denied', 'api_v1_tasks:1:3600', 'api_v1_tasks'],
      ['allowed', 'api_v1_tasks:1:3600', 'api_v1_tasks'],
    ]);
    expect(events.map((e) => typeof e.storeLatencyMs)).toEqual(['number', 'number', 'object']);
    expect(events[2]!.storeLatencyMs).toBeNull();
    expect(events[2]!.result.listed).toBe('allow');
  });

  it('reports no store latency for a refusal a shared store need not be asked again about', async () => {
    // Not marked in-process: the limiter treats it as shared and remembers refusals briefly.
    const store = countingStore();
    const events: DecisionEvent[] = [];
    const limiter = createRateLimiter({
      store,
      defaultRule: { limit: 1, period: 3600 },
      onDecision: (event) => events.push(event),
    });
    for (let i = 0; i < 3; i++) await limiter.check(input);
    expect(store.calls).toBe(2);
    expect(events.map((e) => [e.outcome, e.result.cached])).toEqual([
      ['allowed', false],
      ['denied', false],
      ['denied', true],
    ]);
    expect(events[2]!.storeLatencyMs).toBeNull();
  });

  it("reports a store failure as 'fallback', and survives an onDecision that throws", async () => {
    const logger = recordingLogger();
    const failing: RateLimitStore = {
      consume: () => Promise.reject(new Error('down')),
      peek: () => Promise.reject(new Error('down')),
      adjust: () => Promise.reject(new Error('down')),
      reset: () => Promise.reject(new Error('down')),
    };
    const outcomes: string[] = [];
    const limiter = createRateLimiter({
      store: failing,
      logger,
      onDecision: (event) => {
        outcomes.push(event.outcome);
        throw new Error('metrics down');
      },
    });
    for (let i = 0; i < 3; i++) expect((await limiter.check(input)).allowed).toBe(true);
    expect(outcomes).toEqual(['fallback', 'fallback', 'fallback']);
    expect(logger.errors.filter((e) => e.includes('onDecision threw'))).toHaveLength(1);
  });
});

describe('rules for anonymous callers', () => {
  it('asks resolveRule for anonymous callers with identity null, warning for users only', async () => {
    const logger = recordingLogger();
    const asked: RuleContext[] = [];
    const limiter = createRateLimiter({
      store: memoryStore(),
      logger,
      defaultRule: { limit: 3, period: 3600 },
      resolveRule: (ctx) => {
        asked.push(ctx);
        return ctx.identity === null && ctx.path === 'api_v1_tasks'
          ? { limit: 1, period: 3600 }
          : null;
      },
    });
    expect(await limiter.check(input)).toMatchObject({ limit: 1, rule: { source: 'tier' } });
    expect(asked[0]).toEqual({ identity: null, path: 'api_v1_tasks' });
    // No rule for anonymous callers here: the default, silently.
    const other = await limiter.check({ path: '/api/v1/other', ip: '203.0.113.7' });
    expect(other).toMatchObject({ limit: 3, rule: { source: 'default' } });
    expect(logger.warnings).toEqual([]);
    // A user without a tier is memoised apart from anonymous callers: the default, and a warning.
    const user = await limiter.check({ ...input, identity: { id: 'u1' } });
    expect(user).toMatchObject({ limit: 3, rule: { source: 'default' } });
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toContain('"u1"');
  });
});

describe('rules of several windows from resolveRule', () => {
  it("applies a tier's windows, shortest first, and the default for a rule it cannot apply", async () => {
    const logger = recordingLogger();
    const limiter = createRateLimiter({
      store: memoryStore(),
      logger,
      defaultRule: { limit: 3, period: 3600 },
      resolveRule: ({ identity }) =>
        identity?.tier === 'pro'
          ? [
              { limit: 100, period: '1 d', name: 'pro-daily' },
              { limit: 2, period: 3600, name: 'pro-hourly' },
            ]
          : [
              { limit: 1, period: 3600 },
              { limit: 2, period: '1 h' },
            ],
    });
    const pro = { ...input, identity: { id: 'p1', tier: 'pro' } };
    const first = await limiter.check(pro);
    expect(first.rule.windows.map((w) => w.name)).toEqual(['pro-hourly', 'pro-daily']);
    expect(first).toMatchObject({
      limit: 2,
      remaining: 1,
      rule: { source: 'tier', name: 'pro-hourly' },
    });
    await limiter.check(pro);
    expect((await limiter.check(pro)).window.name).toBe('pro-hourly');
    // Two windows of one period: logged, and the default applies.
    const free = await limiter.check({ ...input, identity: { id: 'f1', tier: 'free' } });
    expect(free).toMatchObject({ limit: 3, rule: { source: 'default' } });
    expect(logger.errors.join('\n')).toMatch(/same period/);
  });
});

describe('createRateLimiter options of the controls', () => {
  const store = memoryStore();
  it.each<[string, Partial<RateLimiterOptions>, RegExp]>([
    [
      'defaultRule[1].period',
      {
        defaultRule: [
          { limit: 1, period: 60 },
          { limit: 5, period: 'soon' as never },
        ],
      },
      /period/,
    ],
    ['defaultRule[0].limit', { defaultRule: [{ limit: 0, period: 60 }] }, /limit/],
    [
      'defaultRule',
      {
        defaultRule: [
          { limit: 1, period: 60 },
          { limit: 5, period: '1 m' },
        ],
      },
      /same period/,
    ],
    ['blockDuration', { blockDuration: 'forever' as never }, /blockDuration/],
    ['allow.ips', { allow: { ips: ['10.0.0.0/8', 'not-an-ip'] } }, /not-an-ip/],
    ['deny.users', { deny: { users: [''] } }, /deny\.users/],
    ['mode', { mode: 'dry-run' as never }, /mode/],
    ['onDecision', { onDecision: 'log' as never }, /onDecision/],
  ])('fails at creation on a bad `%s`, naming it', (option, options, message) => {
    const create = () => createRateLimiter({ store, ...options });
    expect(create).toThrow(RateLimiterError);
    expect(create).toThrow(message);
    expect(create).toThrow(expect.objectContaining({ code: 'E_INVALID_OPTION', option }));
  });
});
