import { beforeEach, describe, expect, it } from 'vitest';
import {
  createRateLimiter,
  type DecisionEvent,
  RateLimiterError,
  type RateLimiterOptions,
  type RateLimitStore,
  type RuleContext,
} from '../src/index.js';
import { memoryStore } from '../src/stores/memory.js';
import { recordingLogger } from './support/logger.js';
import { roomInWindow } from './support/time.js';

// Checks count in fixed windows of an hour, which must not roll over mid-test.
beforeEach(() => roomInWindow(3_600_000, 5_000));

const input = { path: '/api/v1/tasks', ip: '203.0.113.7' };

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
