import {
  type ApiSuiteTarget,
  assignTier,
  createUser,
  DEFAULT_LIMIT,
  uniqueName,
  useApp,
} from '../fixtures.js';
import {
  allowed,
  createLimitedUser,
  createTierWithRule,
  patchRule,
  taskStatus,
  taskStatuses,
} from '../rate-limit-fixtures.js';
import type { TestApi } from '../test-api.js';

/** A rule created at `limit`, used `before`, then changed to `patchedLimit`. */
const RULE_CHANGES = [
  { change: 'raised', limit: 1, before: [201, 429], patchedLimit: 5, next: 201 },
  { change: 'lowered', limit: 10, before: [201, 201], patchedLimit: 2, next: 429 },
];

/** Who is limited how: IP for anonymous callers, user and tier for a valid token. */
export function registerRateLimits(target: ApiSuiteTarget, t: TestApi) {
  const { describe, expect, it } = t;
  describe(`${target.name}: anonymous callers on the defaults`, () => {
    // A context of its own: every anonymous request here shares the 127.0.0.1 counter.
    const app = useApp(target, t);

    it(`allows ${DEFAULT_LIMIT} anonymous tasks per period, then answers 429`, async () => {
      expect(await taskStatuses(app, DEFAULT_LIMIT)).toEqual(allowed(DEFAULT_LIMIT));
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
      const user = await createUser(app);
      expect(await taskStatus(app, user.token)).toBe(201);
    });

    it('limits only the limited route', async () => {
      expect((await app.api.get('/tiers')).status).toBe(200);
    });
  });

  describe(`${target.name}: tiers, rules and changes taking effect on the next request`, () => {
    const app = useApp(target, t);

    it('puts a user without a tier on the defaults', async () => {
      const user = await createUser(app);
      expect(await taskStatuses(app, DEFAULT_LIMIT + 1, user.token)).toEqual([
        ...allowed(DEFAULT_LIMIT),
        429,
      ]);
    });

    it('puts a user whose tier has no rule for the path on the defaults', async () => {
      const { user } = await createLimitedUser(app, 'norule', { path: 'api/v1/users', limit: 1 });
      expect(await taskStatuses(app, DEFAULT_LIMIT + 1, user.token)).toEqual([
        ...allowed(DEFAULT_LIMIT),
        429,
      ]);
    });

    it('counts each user on their own', async () => {
      const { tierId } = await createTierWithRule(app, 'solo', { limit: 1 });
      const [a, b] = [await createUser(app), await createUser(app)];
      await assignTier(app, a.username, tierId);
      await assignTier(app, b.username, tierId);
      expect(await taskStatuses(app, 2, a.token)).toEqual([201, 429]);
      expect(await taskStatuses(app, 2, b.token)).toEqual([201, 429]);
    });

    for (const { change, limit, before, patchedLimit, next } of RULE_CHANGES) {
      it(`applies a ${change} rule limit on the next request`, async () => {
        const limited = await createLimitedUser(app, change, { limit });
        expect(await taskStatuses(app, before.length, limited.user.token)).toEqual(before);
        await patchRule(app, limited, { limit: patchedLimit });
        expect(await taskStatus(app, limited.user.token)).toBe(next);
      });
    }

    it("applies a user's new tier on the next request", async () => {
      const low = await createTierWithRule(app, 'low', { limit: 1 });
      const high = await createTierWithRule(app, 'high', { limit: 10 });
      const user = await createUser(app);
      await assignTier(app, user.username, low.tierId);
      expect(await taskStatuses(app, 2, user.token)).toEqual([201, 429]);
      await assignTier(app, user.username, high.tierId);
      expect(await taskStatus(app, user.token)).toBe(201);
      await assignTier(app, user.username, low.tierId);
      expect(await taskStatus(app, user.token)).toBe(429);
    });

    it('falls back to the defaults on the next request once the rule is deleted', async () => {
      const { tier, rule, user } = await createLimitedUser(app, 'drop', { limit: 1 });
      expect(await taskStatuses(app, 2, user.token)).toEqual([201, 429]);
      const del = await app.api.delete(`/tier/${tier}/rate_limit/${rule.id}`, app.adminToken);
      expect(del.status, del.text).toBe(200);
      // The defaults allow DEFAULT_LIMIT (3) per period; 1 was allowed and at most 1 counted
      // as denied, so the next request fits.
      expect(await taskStatus(app, user.token)).toBe(201);
    });

    it('puts a user on the defaults on the next request once their tier is deleted', async () => {
      const { tier, user } = await createLimitedUser(app, 'doomed', { limit: 1 });
      expect(await taskStatuses(app, 2, user.token)).toEqual([201, 429]);
      const del = await app.api.delete(`/tier/${tier}`, app.adminToken);
      expect(del.status, del.text).toBe(200);
      expect((await app.api.get(`/user/${user.username}`)).body.tier_id).toBeNull();
      expect(await taskStatus(app, user.token)).toBe(201);
    });

    it('keeps applying the rules of a renamed tier', async () => {
      const { tier, user } = await createLimitedUser(app, 'before', { limit: 1 });
      const patch = await app.api.patch(
        `/tier/${tier}`,
        { name: uniqueName('after') },
        app.adminToken,
      );
      expect(patch.status, patch.text).toBe(200);
      expect(await taskStatuses(app, 2, user.token)).toEqual([201, 429]);
    });

    it('matches the rule whatever the query string', async () => {
      const { user } = await createLimitedUser(app, 'query', {
        path: '/api/v1/tasks/task/',
        limit: 2,
      });
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
