import { describe, expect, it } from 'vitest';
import {
  createRateLimiter,
  type RateLimitResult,
  type RateLimitStore,
  rateLimitHeaders,
} from '../src/index.js';
import { prepareMiddleware } from '../src/middleware.js';

const now = 1_700_000_000_000;
const result: RateLimitResult = {
  allowed: false,
  limit: 10,
  remaining: 0,
  resetAt: now + 30_000,
  retryAfter: 30,
  rule: {
    source: 'default',
    name: 'api_v1_tasks:10:3600',
    tier: null,
    limit: 10,
    periodMs: 3_600_000,
    windows: [{ name: 'api_v1_tasks:10:3600', limit: 10, periodMs: 3_600_000 }],
  },
  window: { name: 'api_v1_tasks:10:3600', limit: 10, periodMs: 3_600_000 },
  key: 'k',
  scope: 'api_v1_tasks',
  subject: 'ip',
  cost: 1,
  fallback: null,
  cached: false,
  listed: null,
  shadow: false,
  at: now,
};

describe('rateLimitHeaders', () => {
  it('writes draft-8 policy and state and Retry-After by default, no legacy headers', () => {
    expect(Object.fromEntries(rateLimitHeaders(result, {}, now))).toEqual({
      'RateLimit-Policy': '"api_v1_tasks:10:3600";q=10;w=3600',
      RateLimit: '"api_v1_tasks:10:3600";r=0;t=30',
      'Retry-After': '30',
    });
  });

  it('rejects invalid header options, naming the option', () => {
    expect(() => rateLimitHeaders(result, { legacyHeaders: 'yes' as never }, now)).toThrow(
      /legacyHeaders/,
    );
    expect(() => rateLimitHeaders(result, { standardHeaders: 'draft-9' as never }, now)).toThrow(
      /standardHeaders/,
    );
  });

  it('adds the legacy X-RateLimit-* headers with legacyHeaders: true', () => {
    expect(Object.fromEntries(rateLimitHeaders(result, { legacyHeaders: true }, now))).toEqual({
      'RateLimit-Policy': '"api_v1_tasks:10:3600";q=10;w=3600',
      RateLimit: '"api_v1_tasks:10:3600";r=0;t=30',
      'X-RateLimit-Limit': '10',
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': String((now + 30_000) / 1000),
      'Retry-After': '30',
    });
  });

  it('writes draft-7 form and drops legacy headers on request', () => {
    const allowed = { ...result, allowed: true, remaining: 4, retryAfter: 0 };
    expect(
      Object.fromEntries(
        rateLimitHeaders(allowed, { standardHeaders: 'draft-7', legacyHeaders: false }, now),
      ),
    ).toEqual({
      'RateLimit-Policy': '10;w=3600',
      RateLimit: 'limit=10, remaining=4, reset=30',
    });
  });

  it('escapes rule names for structured fields', () => {
    const window = { ...result.window, name: 'a"b\\c' };
    const named = {
      ...result,
      window,
      rule: { ...result.rule, name: window.name, windows: [window] },
    };
    expect(rateLimitHeaders(named, { legacyHeaders: false }, now)[0]![1]).toBe(
      '"a\\"b\\\\c";q=10;w=3600',
    );
  });
});

describe('the middleware reads the reset time on the store clock', () => {
  // A shared store whose clock runs 10 s behind this process (Redis on another host, say):
  // its window ends 30 s after its own "now", so the header must say 30, not 20.
  const skewedStore = (): RateLimitStore => {
    const answer = () => {
      const at = Date.now() - 10_000;
      return { allowed: true, remaining: 9, resetAt: at + 30_000, retryAfterMs: 0, window: 0, at };
    };
    return {
      consume: async () => answer(),
      peek: async () => answer(),
      adjust: async () => {},
      reset: async () => {},
    };
  };

  it('counts t= from the store clock of the answer, not from the local clock', async () => {
    const limiter = createRateLimiter({
      store: skewedStore(),
      defaultRule: { limit: 10, period: 3600 },
    });
    const m = prepareMiddleware({ limiter }, true);
    const decision = await m.decide({}, '/api/v1/tasks', '127.0.0.1');
    expect(decision?.headers).toContainEqual(['ratelimit', '"api_v1_tasks:10:3600";r=9;t=30']);
  });
});
