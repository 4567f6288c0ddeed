import { describe, expect, it } from 'vitest';
import { createRateLimiter, type Identity } from '../../src/index.js';
import { memoryStore } from '../../src/stores/memory.js';
import { recordingLogger } from '../support/logger.js';
import type { AdapterOptions, Harness } from './harness.js';
import { rateLimitParam } from './scenario-helpers.js';

// Stands in for JWT verification: the limiter only sees what identify() returns.
const TOKENS: Record<string, Identity> = {
  'token-pro': { id: 'u-pro', tier: 'pro' },
  'token-free': { id: 'u-free', tier: 'free' },
  'token-none': { id: 'u-none' },
};
function identifyBearer(authorization: string | undefined): Identity | null {
  if (!authorization) return null;
  const identity = TOKENS[authorization.replace(/^Bearer /, '')];
  if (!identity) throw new Error('invalid token');
  return identity;
}

const RULES: Record<string, Record<string, { limit: number; period: number }>> = {
  pro: { api_v1_tasks_task: { limit: 5, period: 3600 } },
};

/**
 * The reference behaviour end to end through an adapter: no token -> IP and defaults; invalid
 * token -> IP; user without tier (or tier without a rule) -> defaults and one warning; tier with
 * a rule -> its limit; the 429 body and headers. On the memory store: the adapters are under
 * test here, the stores have their own suite.
 */
export function registerTierScenarios(harness: Harness): void {
  const adapter = harness.name;

  async function setup(extra: AdapterOptions = {}) {
    const logger = recordingLogger();
    const limiter = createRateLimiter({
      store: memoryStore(),
      defaultRule: { limit: 3, period: 3600 },
      resolveRule: ({ identity, path }) => RULES[identity?.tier ?? '']?.[path] ?? null,
      logger,
    });
    const app = await harness.make(limiter, { identify: identifyBearer, ...extra });
    return { ...app, logger };
  }

  describe(`${adapter} adapter, tiers end to end`, () => {
    it('limits a caller without a token by IP with the defaults, then answers 429', async () => {
      const { send, close } = await setup();
      try {
        for (let i = 0; i < 3; i++) {
          const ok = await send('/api/v1/tasks/task');
          expect(ok.status).toBe(200);
          expect(ok.headers.get('ratelimit-policy')).toBe('"api_v1_tasks:3:3600";q=3;w=3600');
          expect(ok.headers.get('ratelimit')).toMatch(
            new RegExp(`^"api_v1_tasks:3:3600";r=${2 - i};t=\\d+$`),
          );
          expect(rateLimitParam(ok.headers, 'q')).toBe('3');
          expect(rateLimitParam(ok.headers, 'r')).toBe(String(2 - i));
          expect(ok.headers.get('retry-after')).toBeNull();
        }
        const denied = await send('/api/v1/tasks/task?page=2');
        expect(denied.status).toBe(429);
        expect(denied.body).toEqual({ detail: 'Rate limit exceeded' });
        expect(denied.headers.get('content-type')).toMatch(/application\/json/);
        expect(Number(denied.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(denied.headers.get('ratelimit')).toMatch(/;r=0;t=\d+$/);
        expect(rateLimitParam(denied.headers, 'r')).toBe('0');
        expect(Number(rateLimitParam(denied.headers, 't'))).toBeGreaterThan(0);
        // The pre-standard X-RateLimit-* headers are opt-in.
        expect(denied.headers.get('x-ratelimit-limit')).toBeNull();
      } finally {
        await close();
      }
    });

    it('limits a caller with an invalid token by IP, sharing the anonymous budget', async () => {
      const { send, close } = await setup();
      try {
        for (let i = 0; i < 3; i++) expect((await send('/api/v1/tasks/task')).status).toBe(200);
        const forged = await send('/api/v1/tasks/task', { token: 'forged' });
        expect(forged.status).toBe(429);
        // A valid user from the same IP has its own budget.
        expect((await send('/api/v1/tasks/task', { token: 'token-free' })).status).toBe(200);
      } finally {
        await close();
      }
    });

    it('gives a user without a tier the defaults and logs one warning naming user, tier and path', async () => {
      const { send, close, logger } = await setup();
      try {
        for (let i = 0; i < 3; i++) {
          const ok = await send('/api/v1/tasks/task', { token: 'token-none' });
          expect(rateLimitParam(ok.headers, 'q')).toBe('3');
        }
        expect((await send('/api/v1/tasks/task', { token: 'token-none' })).status).toBe(429);
        expect(logger.warnings).toHaveLength(1);
        expect(logger.warnings[0]).toContain('"u-none"');
        expect(logger.warnings[0]).toContain('tier none');
        expect(logger.warnings[0]).toContain('api_v1_tasks_task');
      } finally {
        await close();
      }
    });

    it("gives a tier with a rule for the path the rule's limit", async () => {
      const { send, close, logger } = await setup();
      try {
        for (let i = 0; i < 5; i++) {
          const ok = await send('/api/v1/tasks/task', { token: 'token-pro' });
          expect(ok.status).toBe(200);
          expect(rateLimitParam(ok.headers, 'q')).toBe('5');
          expect(ok.headers.get('ratelimit-policy')).toBe('"api_v1_tasks:5:3600";q=5;w=3600');
        }
        expect((await send('/api/v1/tasks/task', { token: 'token-pro' })).status).toBe(429);
        expect(logger.warnings).toEqual([]);
      } finally {
        await close();
      }
    });

    it('ignores X-Forwarded-For without trustProxy, so a client cannot pick its own key', async () => {
      const { send, close } = await setup();
      try {
        for (let i = 0; i < 3; i++) {
          expect(
            (await send('/api/v1/tasks/task', { forwardedFor: `198.51.100.${i}` })).status,
          ).toBe(200);
        }
        expect((await send('/api/v1/tasks/task', { forwardedFor: '198.51.100.99' })).status).toBe(
          429,
        );
      } finally {
        await close();
      }
    });

    it('uses X-Forwarded-For from a trusted proxy hop', async () => {
      const { send, close } = await setup({ trustProxy: 1 });
      try {
        for (let i = 0; i < 3; i++)
          expect((await send('/api/v1/tasks/task', { forwardedFor: '198.51.100.1' })).status).toBe(
            200,
          );
        expect((await send('/api/v1/tasks/task', { forwardedFor: '198.51.100.1' })).status).toBe(
          429,
        );
        expect((await send('/api/v1/tasks/task', { forwardedFor: '198.51.100.2' })).status).toBe(
          200,
        );
      } finally {
        await close();
      }
    });

    it('switches the standard headers to draft-7 and the legacy ones on, on request', async () => {
      const { send, close } = await setup({ legacyHeaders: true, standardHeaders: 'draft-7' });
      try {
        const ok = await send('/api/v1/tasks/task');
        expect(ok.headers.get('ratelimit-policy')).toBe('3;w=3600');
        expect(ok.headers.get('ratelimit')).toMatch(/^limit=3, remaining=2, reset=\d+$/);
        expect(ok.headers.get('x-ratelimit-limit')).toBe('3');
        expect(ok.headers.get('x-ratelimit-remaining')).toBe('2');
        expect(Number(ok.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
      } finally {
        await close();
      }
    });

    it('switches every header off on request', async () => {
      const { send, close } = await setup({ standardHeaders: false });
      try {
        const ok = await send('/api/v1/tasks/task');
        expect(ok.status).toBe(200);
        for (const name of ['ratelimit', 'ratelimit-policy', 'x-ratelimit-limit']) {
          expect(ok.headers.get(name)).toBeNull();
        }
      } finally {
        await close();
      }
    });
  });
}
