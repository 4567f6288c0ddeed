import { beforeEach, describe, expect, it } from 'vitest';
import { createRateLimiter, RateLimiterError, type RateLimitStore } from '../../src/index.js';
import { memoryStore } from '../../src/stores/memory.js';
import { sleep } from '../support/time.js';
import type { AdapterOptions, Harness } from './harness.js';
import { rateLimitParam, steady } from './scenario-helpers.js';

const limiterOf = (limit: number) =>
  createRateLimiter({ store: memoryStore(), defaultRule: { limit, period: 3600 } });

/** Statuses of `targets`, sent one by one to an app limited to 1 request per minute. */
async function statuses(harness: Harness, targets: string[], caseSensitive?: boolean) {
  const app = await harness.make(limiterOf(1), {}, { caseSensitive });
  try {
    const out: number[] = [];
    for (const target of targets) out.push(await app.sendTarget(target));
    return out;
  } finally {
    await app.close();
  }
}

/**
 * How an adapter maps requests to the core, the same on every framework: bad options, skip(),
 * the rule path (absolute-form targets, case variants), headers on a raw response, hostile
 * headers. Framework-only behaviour stays in each framework's test file.
 */
export function registerAdapterScenarios(harness: Harness): void {
  describe(`${harness.name} adapter, requests`, () => {
    beforeEach(steady);

    it.each<[string, AdapterOptions]>([
      ['cost', { cost: 0 }],
      ['standardHeaders', { standardHeaders: 'draft-9' as never }],
      ['legacyHeaders', { legacyHeaders: 'yes' as never }],
      ['trustProxy', { trustProxy: ['nope'] }],
      ['ipv6Prefix', { ipv6Prefix: 129 }],
      ['skip', { skip: true as never }],
      ['identify', { identify: 'bearer' as never }],
    ])('fails at creation on a bad `%s`, naming it', async (option, options) => {
      const made = harness.make(limiterOf(1), options);
      await expect(made).rejects.toThrow(RateLimiterError);
      await expect(made).rejects.toMatchObject({ code: 'E_INVALID_OPTION', option });
      await expect(made).rejects.toThrow(new RegExp(`option \`${option}\``));
    });

    it('fails at creation without a limiter', async () => {
      await expect(harness.make(undefined as never)).rejects.toThrow(/`limiter` is required/);
    });

    it('neither counts nor limits what skip() says to skip', async () => {
      const app = await harness.make(limiterOf(1), {
        skip: async (path) => path.endsWith('/health'),
      });
      try {
        for (let i = 0; i < 3; i++) {
          const health = await app.send('/api/v1/health');
          expect(health.status).toBe(200);
          expect(health.headers.get('ratelimit-policy')).toBeNull();
        }
        const first = await app.send('/api/v1/tasks');
        expect(first.status).toBe(200);
        expect(rateLimitParam(first.headers, 'r')).toBe('0');
        expect((await app.send('/api/v1/tasks')).status).toBe(429);
        expect((await app.send('/api/v1/health')).status).toBe(200);
      } finally {
        await app.close();
      }
    });

    it('keys an absolute-form request target by its path, so a made-up host is no fresh bucket', async () => {
      const targets = [
        '/api/v1/tasks',
        'http://a.example/api/v1/tasks?x=1',
        'http://b.example:8080/api/v1/tasks',
      ];
      expect(await statuses(harness, targets)).toEqual([200, 429, 429]);
    });

    it('keeps case when the app routes case-sensitively: a variant is another route', async () => {
      const targets = ['/api/v1/tasks', '/api/v1/tasks', '/API/v1/tasks'];
      expect(await statuses(harness, targets, true)).toEqual([200, 429, 404]);
    });

    if (harness.foldsCase) {
      it('shares one bucket between case variants the app routes to the same handler', async () => {
        const targets = ['/api/v1/tasks', '/API/v1/tasks', '/Api/V1/Tasks'];
        expect(await statuses(harness, targets, false)).toEqual([200, 429, 429]);
      });
    }

    it('waits for an async identify() and a store that answers asynchronously', async () => {
      // Any remote store answers later; the memory store answers at once, a path of its own.
      const inner = memoryStore();
      const later = <T>(value: Promise<T>) => sleep(1).then(() => value);
      const store: RateLimitStore = {
        consume: (request) => later(inner.consume(request)),
        peek: (request) => later(inner.peek(request)),
        adjust: (request) => later(inner.adjust(request)),
        reset: (request) => later(inner.reset(request)),
      };
      const limiter = createRateLimiter({ store, defaultRule: { limit: 2, period: 3600 } });
      const app = await harness.make(limiter, {
        identify: async (authorization) => (authorization ? { id: 'u1' } : null),
      });
      try {
        const ok = await app.send('/api/v1/tasks', { token: 't' });
        expect(ok.status).toBe(200);
        expect(rateLimitParam(ok.headers, 'r')).toBe('1');
        expect((await app.send('/api/v1/tasks', { token: 't' })).status).toBe(200);
        const denied = await app.send('/api/v1/tasks', { token: 't' });
        expect(denied.status).toBe(429);
        expect(denied.body).toEqual({ detail: 'Rate limit exceeded' });
        expect(Number(denied.headers.get('retry-after'))).toBeGreaterThan(0);
        // Anonymous callers from the same address have their own budget.
        expect((await app.send('/api/v1/tasks')).status).toBe(200);
      } finally {
        await app.close();
      }
    });

    it('adds the headers to a response the handler writes raw', async () => {
      const app = await harness.make(limiterOf(5));
      try {
        const raw = await app.send('/api/v1/raw');
        expect(raw.status).toBe(200);
        expect(raw.body).toBe('raw');
        expect(rateLimitParam(raw.headers, 'r')).toBe('4');
        expect(raw.headers.get('ratelimit')).toMatch(/^"api_v1_raw:5:3600";r=4;t=\d+$/);
      } finally {
        await app.close();
      }
    });

    it('limits a request with a malformed X-Forwarded-For from a trusted proxy, never a 500', async () => {
      const app = await harness.make(limiterOf(1), { trustProxy: true });
      try {
        const hostile = ', ,[::1, 999.1.1.1:x, not-an-ip';
        expect((await app.send('/api/v1/tasks', { forwardedFor: hostile })).status).toBe(200);
        expect((await app.send('/api/v1/tasks', { forwardedFor: hostile })).status).toBe(429);
      } finally {
        await app.close();
      }
    });
  });
}
