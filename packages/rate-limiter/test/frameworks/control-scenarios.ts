import { describe, expect, it } from 'vitest';
import { RateLimiterError } from '../../src/index.js';
import { roomInWindow, secondsToWindowEnd } from '../support/time.js';
import type { AdapterOptions, AppShape, Harness } from './harness.js';
import { registerIdentityScenarios } from './identity-scenarios.js';
import { registerOutcomeScenarios } from './outcome-scenarios.js';
import { limiterOf, rateLimitParam, statusesOf, withApp } from './scenario-helpers.js';

const posts = [1, 2, 3, 4, 5, 6].map((id) => `/api/v1/post/${id}`);
const twoPerHour = { limit: 2, period: 3600 };
const firstFourSegments = (path: string) => path.split('/').slice(0, 4).join('/');

/**
 * The middleware's controls, the same on every framework: what one bucket is (`scope`),
 * `onLimit`, the result on the request, draft-6 and multi-window headers; count by outcome and
 * identity failures in their own files.
 */
export function registerControlScenarios(harness: Harness): void {
  describe(`${harness.name} adapter, controls`, () => {
    it.each<[string, AdapterOptions]>([
      ['scope', { scope: 'host' as never }],
      ['onIdentifyError', { onIdentifyError: 'ignore' as never }],
      ['skipSuccessfulRequests', { skipSuccessfulRequests: 'yes' as never }],
      ['requestWasSuccessful', { requestWasSuccessful: 200 as never }],
      ['onLimit', { onLimit: 'reject' as never }],
    ])('fails at creation on a bad `%s`, naming it', async (option, options) => {
      const made = harness.make(limiterOf(twoPerHour), options);
      await expect(made).rejects.toThrow(RateLimiterError);
      await expect(made).rejects.toMatchObject({ code: 'E_INVALID_OPTION', option });
    });

    it("with scope 'route' mounted app-wide, /post/1 to /post/6 share one bucket: 2 of 6 pass", async () => {
      await withApp(harness, twoPerHour, { scope: 'route' }, async (app) => {
        expect(await statusesOf(app, posts)).toEqual([200, 200, 429, 429, 429, 429]);
      });
    });

    it('with a function scope, /post/1 to /post/6 share the bucket it names: 2 of 6 pass', async () => {
      await withApp(harness, twoPerHour, { scope: firstFourSegments }, async (app) => {
        expect(await statusesOf(app, posts)).toEqual([200, 200, 429, 429, 429, 429]);
        // Another name, another bucket.
        expect((await app.send('/api/v1/tasks')).status).toBe(200);
      });
    });

    it("with scope 'path' (the default), each post id is a bucket of its own", async () => {
      await withApp(harness, twoPerHour, {}, async (app) => {
        expect(await statusesOf(app, posts)).toEqual([200, 200, 200, 200, 200, 200]);
        expect((await app.send('/api/v1/post/1')).status).toBe(200);
        expect((await app.send('/api/v1/post/1')).status).toBe(429);
      });
    });

    if (harness.appWideRoute === 'mount') {
      it("with scope 'route' mounted app-wide, every route behind the mount path shares its bucket", async () => {
        await withApp(harness, twoPerHour, { scope: 'route' }, async (app) => {
          expect(
            await statusesOf(app, ['/api/v1/post/1', '/api/v1/tasks', '/api/v1/health']),
          ).toEqual([200, 200, 429]);
        });
      });
    } else {
      it("with scope 'route' mounted app-wide, each route pattern has its own bucket", async () => {
        await withApp(harness, twoPerHour, { scope: 'route' }, async (app) => {
          expect(await statusesOf(app, [...posts.slice(0, 3), '/api/v1/tasks'])).toEqual([
            200, 200, 429, 200,
          ]);
        });
      });
    }

    it("with scope 'route' in a route's own chain, the route pattern is the bucket", async () => {
      const shape: AppShape = { mount: 'route' };
      await withApp(
        harness,
        twoPerHour,
        { scope: 'route' },
        async (app) => {
          expect(await statusesOf(app, posts)).toEqual([200, 200, 429, 429, 429, 429]);
          expect(
            await statusesOf(app, ['/api/v1/tasks', '/api/v1/tasks', '/api/v1/tasks']),
          ).toEqual([200, 200, 429]);
          const ok = await app.send('/api/v1/health');
          expect(ok.status).toBe(200);
          expect(ok.headers.get('ratelimit-policy')).toBe('"api_v1_health:2:3600";q=2;w=3600');
        },
        shape,
      );
    });

    it('resolves rules per scope key: resolveRule sees the name a function scope gives', async () => {
      const limiter = limiterOf(twoPerHour, {
        resolveRule: ({ path }) => (path === 'api_v1_post' ? { limit: 1, period: 3600 } : null),
      });
      await withApp(harness, limiter, { scope: firstFourSegments }, async (app) => {
        const first = await app.send('/api/v1/post/1');
        expect(first.headers.get('ratelimit-policy')).toBe('"api_v1_post:1:3600";q=1;w=3600');
        expect((await app.send('/api/v1/post/2')).status).toBe(429);
      });
    });

    it("writes onLimit's refusal, with the rate-limit headers and Retry-After already set", async () => {
      const seen: boolean[] = [];
      const onLimit: AdapterOptions['onLimit'] = (result) => {
        seen.push(result.allowed);
        return { status: 403, body: { error: 'slow down', retryAfter: result.retryAfter } };
      };
      await withApp(harness, { limit: 1, period: 3600 }, { onLimit }, async (app) => {
        expect((await app.send('/api/v1/tasks')).status).toBe(200);
        const refused = await app.send('/api/v1/tasks');
        expect(refused.status).toBe(403);
        const retryAfter = Number(refused.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThan(0);
        expect(refused.body).toEqual({ error: 'slow down', retryAfter });
        expect(rateLimitParam(refused.headers, 'r')).toBe('0');
        // Called for the refusal only.
        expect(seen).toEqual([false]);
      });
    });

    it('sends the default 429 when onLimit writes nothing', async () => {
      let calls = 0;
      const onLimit = () => {
        calls++;
        return undefined;
      };
      await withApp(harness, { limit: 1, period: 3600 }, { onLimit }, async (app) => {
        await app.send('/api/v1/tasks');
        const refused = await app.send('/api/v1/tasks');
        expect(refused.status).toBe(429);
        expect(refused.body).toEqual({ detail: 'Rate limit exceeded' });
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(calls).toBe(1);
      });
    });

    it('hands the handler the result its request was checked with', async () => {
      await withApp(harness, { limit: 3, period: 3600 }, {}, async (app) => {
        await app.send('/api/v1/seen');
        const reply = await app.send('/api/v1/seen');
        expect(rateLimitParam(reply.headers, 'r')).toBe('1');
        expect(reply.body).toEqual({
          seen: {
            allowed: true,
            limit: 3,
            remaining: 1,
            scope: 'api_v1_seen',
            listed: null,
            shadow: false,
          },
        });
      });
    });

    it('leaves the result undefined for a request skip() skipped', async () => {
      const skip = (path: string) => path.endsWith('/seen');
      await withApp(harness, { limit: 3, period: 3600 }, { skip }, async (app) => {
        expect((await app.send('/api/v1/seen')).body).toEqual({ seen: null });
      });
    });

    it('marks a result the shadow mode admitted, and keeps counting', async () => {
      const shadow = limiterOf({ limit: 1, period: 3600 }, { mode: 'shadow' });
      await withApp(harness, shadow, {}, async (app) => {
        const first = await app.send('/api/v1/seen');
        expect(first.body).toMatchObject({ seen: { allowed: true, shadow: false } });
        const second = await app.send('/api/v1/seen');
        expect(second.status).toBe(200);
        expect(second.body).toMatchObject({ seen: { allowed: true, shadow: true, remaining: 0 } });
        expect(second.headers.get('retry-after')).toBeNull();
      });
    });

    it('admits an allow-listed caller with no headers, and refuses a deny-listed one unseen', async () => {
      const limiter = limiterOf(
        { limit: 1, period: 3600 },
        { allow: { users: ['admin'] }, deny: { users: ['mallory'] } },
      );
      const identify = (authorization?: string) =>
        authorization ? { id: authorization.replace('Bearer ', '') } : null;
      await withApp(harness, limiter, { identify }, async (app) => {
        for (let i = 0; i < 3; i++) {
          const admin = await app.send('/api/v1/seen', { token: 'admin' });
          expect(admin.status).toBe(200);
          expect(admin.headers.get('ratelimit')).toBeNull();
          expect(admin.headers.get('ratelimit-policy')).toBeNull();
          expect(admin.body).toMatchObject({ seen: { allowed: true, listed: 'allow' } });
        }
        const mallory = await app.send('/api/v1/login?ok=1', { token: 'mallory' });
        expect(mallory.status).toBe(429);
        expect(mallory.body).toEqual({ detail: 'Rate limit exceeded' });
        expect(Number(mallory.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(mallory.headers.get('ratelimit-policy')).toBeNull();
        expect(app.probe.calls.login).toBeUndefined();
      });
    });

    it("writes draft-6's RateLimit-Limit, -Remaining and -Reset beside RateLimit-Policy", async () => {
      const options: AdapterOptions = { standardHeaders: 'draft-6' };
      await withApp(harness, { limit: 3, period: 3600 }, options, async (app) => {
        const ok = await app.send('/api/v1/tasks');
        expect(ok.headers.get('ratelimit-policy')).toBe('3;w=3600');
        expect(ok.headers.get('ratelimit-limit')).toBe('3');
        expect(ok.headers.get('ratelimit-remaining')).toBe('2');
        const reset = Number(ok.headers.get('ratelimit-reset'));
        expect(reset).toBeGreaterThan(0);
        expect(reset).toBeLessThanOrEqual(3600);
        expect(ok.headers.get('ratelimit')).toBeNull();
        expect(ok.headers.get('x-ratelimit-limit')).toBeNull();
      });
    });

    it('lists every window of a multi-window rule in RateLimit-Policy, and reports the tightest', async () => {
      const rule = [
        { limit: 5, period: 60 },
        { limit: 3, period: 3600 },
      ];
      // Not across the end of a minute or an hour, which would empty a window mid-test.
      await roomInWindow(60_000, 5_000);
      await withApp(harness, rule, {}, async (app) => {
        const ok = await app.send('/api/v1/tasks');
        expect(ok.headers.get('ratelimit-policy')).toBe(
          '"api_v1_tasks:5:60";q=5;w=60, "api_v1_tasks:3:3600";q=3;w=3600',
        );
        expect(ok.headers.get('ratelimit')).toMatch(/^"api_v1_tasks:3:3600";r=2;t=\d+$/);
        expect(rateLimitParam(ok.headers, 'q')).toBe('3');
        await app.send('/api/v1/tasks');
        await app.send('/api/v1/tasks');
        const refused = await app.send('/api/v1/tasks');
        expect(refused.status).toBe(429);
        // The hour window refuses, until the hour's end: more than the minute window's 60 s,
        // except in an hour's last minute.
        const toHourEnd = secondsToWindowEnd(3_600_000);
        const retryAfter = Number(refused.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThanOrEqual(toHourEnd - 1);
        expect(retryAfter).toBeLessThanOrEqual(toHourEnd + 1);
      });
    });

    it('lists every window in a draft-6 RateLimit-Policy too', async () => {
      const rule = [
        { limit: 5, period: 60 },
        { limit: 3, period: 3600 },
      ];
      await withApp(harness, rule, { standardHeaders: 'draft-6' }, async (app) => {
        const ok = await app.send('/api/v1/tasks');
        expect(ok.headers.get('ratelimit-policy')).toBe('5;w=60, 3;w=3600');
        expect(ok.headers.get('ratelimit-limit')).toBe('3');
        expect(ok.headers.get('ratelimit-remaining')).toBe('2');
      });
    });
  });

  registerOutcomeScenarios(harness);
  registerIdentityScenarios(harness);
}
