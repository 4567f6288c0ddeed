import { describe, expect, it } from 'vitest';
import type { ApiClient } from '../client.js';
import {
  type ApiSuiteTarget,
  assignTier,
  createRule,
  createTier,
  createUser,
  DEFAULT_LIMIT,
  uniqueName,
  useApp,
} from '../fixtures.js';

const TASK_PATH = 'api/v1/tasks/task';

/** One call of the rate-limited route; returns the status. */
async function task(api: ApiClient, token?: string): Promise<number> {
  const res = await api.post(`/tasks/task?message=${uniqueName('m')}`, undefined, token);
  if (res.status === 429) expect(res.body).toEqual({ detail: 'Rate limit exceeded' });
  else expect(res.status, res.text).toBe(201);
  return res.status;
}

/** Statuses of `n` calls in a row. */
async function tasks(api: ApiClient, n: number, token?: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) statuses.push(await task(api, token));
  return statuses;
}

const allowed = (n: number) => Array.from({ length: n }, () => 201);

/** Who is limited how: IP for anonymous callers, user and tier for a valid token. */
export function registerRateLimits(target: ApiSuiteTarget) {
  describe(`${target.name}: anonymous callers on the defaults`, () => {
    // A context of its own: every anonymous request here shares the 127.0.0.1 counter.
    const app = useApp(target);

    it(`allows ${DEFAULT_LIMIT} anonymous tasks per period, then answers 429`, async () => {
      expect(await tasks(app.api, DEFAULT_LIMIT)).toEqual(allowed(DEFAULT_LIMIT));
      const denied = await app.api.post('/tasks/task?message=over');
      expect(denied.status).toBe(429);
      expect(denied.body).toEqual({ detail: 'Rate limit exceeded' });
      expect(Number(denied.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('limits a caller with an invalid token by IP, like an anonymous one (not 401)', async () => {
      const res = await app.api.post('/tasks/task?message=bad-token', undefined, 'not.a.jwt');
      expect(res.status).toBe(429);
    });

    it('still serves a valid user: users are counted apart from the IP', async () => {
      const user = await createUser(app.api);
      expect(await task(app.api, user.token)).toBe(201);
    });

    it('limits only the limited route', async () => {
      expect((await app.api.get('/tiers')).status).toBe(200);
    });
  });

  describe(`${target.name}: tiers, rules and changes taking effect on the next request`, () => {
    const app = useApp(target);

    it('puts a user without a tier on the defaults', async () => {
      const user = await createUser(app.api);
      expect(await tasks(app.api, DEFAULT_LIMIT + 1, user.token)).toEqual([
        ...allowed(DEFAULT_LIMIT),
        429,
      ]);
    });

    it('puts a user whose tier has no rule for the path on the defaults', async () => {
      const tier = uniqueName('norule');
      const tierId = await createTier(app, tier);
      await createRule(app, tier, {
        path: 'api/v1/users',
        limit: 1,
        period: 3600,
        name: uniqueName('r'),
      });
      const user = await createUser(app.api);
      await assignTier(app, user.username, tierId);
      expect(await tasks(app.api, DEFAULT_LIMIT + 1, user.token)).toEqual([
        ...allowed(DEFAULT_LIMIT),
        429,
      ]);
    });

    it('counts each user on their own', async () => {
      const tier = uniqueName('solo');
      const tierId = await createTier(app, tier);
      await createRule(app, tier, {
        path: TASK_PATH,
        limit: 1,
        period: 3600,
        name: uniqueName('r'),
      });
      const [a, b] = [await createUser(app.api), await createUser(app.api)];
      await assignTier(app, a.username, tierId);
      await assignTier(app, b.username, tierId);
      expect(await tasks(app.api, 2, a.token)).toEqual([201, 429]);
      expect(await tasks(app.api, 2, b.token)).toEqual([201, 429]);
    });

    it('applies a raised rule limit on the next request', async () => {
      const tier = uniqueName('raise');
      const tierId = await createTier(app, tier);
      const rule = await createRule(app, tier, {
        path: TASK_PATH,
        limit: 1,
        period: 3600,
        name: uniqueName('r'),
      });
      const user = await createUser(app.api);
      await assignTier(app, user.username, tierId);
      expect(await tasks(app.api, 2, user.token)).toEqual([201, 429]);
      const patch = await app.api.patch(
        `/tier/${tier}/rate_limit/${rule.id}`,
        { limit: 5 },
        app.adminToken,
      );
      expect(patch.status, patch.text).toBe(200);
      expect(await task(app.api, user.token)).toBe(201);
    });

    it('applies a lowered rule limit on the next request', async () => {
      const tier = uniqueName('lower');
      const tierId = await createTier(app, tier);
      const rule = await createRule(app, tier, {
        path: TASK_PATH,
        limit: 10,
        period: 3600,
        name: uniqueName('r'),
      });
      const user = await createUser(app.api);
      await assignTier(app, user.username, tierId);
      expect(await tasks(app.api, 2, user.token)).toEqual([201, 201]);
      const patch = await app.api.patch(
        `/tier/${tier}/rate_limit/${rule.id}`,
        { limit: 2 },
        app.adminToken,
      );
      expect(patch.status, patch.text).toBe(200);
      expect(await task(app.api, user.token)).toBe(429);
    });

    it("applies a user's new tier on the next request", async () => {
      const [low, high] = [uniqueName('low'), uniqueName('high')];
      const lowId = await createTier(app, low);
      const highId = await createTier(app, high);
      await createRule(app, low, {
        path: TASK_PATH,
        limit: 1,
        period: 3600,
        name: uniqueName('r'),
      });
      await createRule(app, high, {
        path: TASK_PATH,
        limit: 10,
        period: 3600,
        name: uniqueName('r'),
      });
      const user = await createUser(app.api);
      await assignTier(app, user.username, lowId);
      expect(await tasks(app.api, 2, user.token)).toEqual([201, 429]);
      await assignTier(app, user.username, highId);
      expect(await task(app.api, user.token)).toBe(201);
      await assignTier(app, user.username, lowId);
      expect(await task(app.api, user.token)).toBe(429);
    });

    it('falls back to the defaults on the next request once the rule is deleted', async () => {
      const tier = uniqueName('drop');
      const tierId = await createTier(app, tier);
      const rule = await createRule(app, tier, {
        path: TASK_PATH,
        limit: 1,
        period: 3600,
        name: uniqueName('r'),
      });
      const user = await createUser(app.api);
      await assignTier(app, user.username, tierId);
      expect(await tasks(app.api, 2, user.token)).toEqual([201, 429]);
      const del = await app.api.delete(`/tier/${tier}/rate_limit/${rule.id}`, app.adminToken);
      expect(del.status, del.text).toBe(200);
      // The defaults allow DEFAULT_LIMIT (3) per period; 1 was allowed and at most 1 counted
      // as denied, so the next request fits.
      expect(await task(app.api, user.token)).toBe(201);
    });

    it('puts a user on the defaults on the next request once their tier is deleted', async () => {
      const tier = uniqueName('doomed');
      const tierId = await createTier(app, tier);
      await createRule(app, tier, {
        path: TASK_PATH,
        limit: 1,
        period: 3600,
        name: uniqueName('r'),
      });
      const user = await createUser(app.api);
      await assignTier(app, user.username, tierId);
      expect(await tasks(app.api, 2, user.token)).toEqual([201, 429]);
      const del = await app.api.delete(`/tier/${tier}`, app.adminToken);
      expect(del.status, del.text).toBe(200);
      expect((await app.api.get(`/user/${user.username}`)).body.tier_id).toBeNull();
      expect(await task(app.api, user.token)).toBe(201);
    });

    it('keeps applying the rules of a renamed tier', async () => {
      const [before, after] = [uniqueName('before'), uniqueName('after')];
      const tierId = await createTier(app, before);
      await createRule(app, before, {
        path: TASK_PATH,
        limit: 1,
        period: 3600,
        name: uniqueName('r'),
      });
      const user = await createUser(app.api);
      await assignTier(app, user.username, tierId);
      const patch = await app.api.patch(`/tier/${before}`, { name: after }, app.adminToken);
      expect(patch.status, patch.text).toBe(200);
      expect(await tasks(app.api, 2, user.token)).toEqual([201, 429]);
    });

    it('matches the rule whatever the query string', async () => {
      const tier = uniqueName('query');
      const tierId = await createTier(app, tier);
      await createRule(app, tier, {
        path: '/api/v1/tasks/task/',
        limit: 2,
        period: 3600,
        name: uniqueName('r'),
      });
      const user = await createUser(app.api);
      await assignTier(app, user.username, tierId);
      const statuses: number[] = [];
      for (const message of ['a', 'b', 'c']) {
        statuses.push(
          (await app.api.post(`/tasks/task?message=${message}`, undefined, user.token)).status,
        );
      }
      expect(statuses).toEqual([201, 201, 429]);
    });
  });
}
