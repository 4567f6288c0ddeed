import { decodeJwtPayload } from '../client.js';
import {
  ADMIN,
  type ApiSuiteTarget,
  createUser,
  expectPage,
  type TestUser,
  useApp,
} from '../fixtures.js';
import type { TestApi } from '../test-api.js';

const RULE_KEYS = ['id', 'limit', 'name', 'path', 'period', 'tier_id'];

/**
 * The release notes of the original, step by step, in one app: the superuser creates the
 * `free` and `pro` tiers and their rules on the task route, reads them back, puts users on
 * them, and the users hit their limits on exactly the documented request.
 */
export function registerWalkthrough(target: ApiSuiteTarget, t: TestApi) {
  const { describe, expect, it } = t;
  describe(`${target.name}: the release-notes walkthrough`, () => {
    const app = useApp(target, t);
    const tiers: Record<string, number> = {};
    let freeUser: TestUser;
    let proUser: TestUser;

    it('logs the superuser in with the form fields and answers a bearer JWT', async () => {
      const res = await app.api.loginResponse(ADMIN.username, ADMIN.password);
      expect(res.status).toBe(200);
      expect(res.body.token_type).toBe('bearer');
      const me = await app.api.get('/user/me/', res.body.access_token);
      expect(me.status).toBe(200);
      expect(me.body.username).toBe(ADMIN.username);
      // Bound to the account's immutable id, not to a name another account may take later.
      expect(decodeJwtPayload(res.body.access_token).sub).toBe(String(me.body.id));
    });

    it('creates the free and pro tiers (201) and lists them paginated', async () => {
      for (const name of ['free', 'pro']) {
        const res = await app.api.post('/tier', { name }, app.adminToken);
        expect(res.status, res.text).toBe(201);
        expect(res.body.name).toBe(name);
      }
      const list = await app.api.get('/tiers');
      expect(list.status).toBe(200);
      expectPage(expect, list.body, { page: 1, itemsPerPage: 10 });
      for (const name of ['free', 'pro']) {
        const tier = list.body.data.find((t: { name: string }) => t.name === name);
        expect(tier, `tier ${name} in ${list.text}`).toBeDefined();
        expect(Object.keys(tier).sort()).toEqual(['created_at', 'id', 'name']);
        expect(Number.isInteger(tier.id)).toBe(true);
        expect(Number.isNaN(Date.parse(tier.created_at))).toBe(false);
        tiers[name] = tier.id;
      }
      const one = await app.api.get('/tier/free');
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ name: 'free', id: tiers.free });
    });

    it('adds 1/hour for free and 10/hour for pro on api/v1/tasks/task, stored sanitized', async () => {
      const free = await app.api.post(
        '/tier/free/rate_limit',
        { path: 'api/v1/tasks/task', limit: 1, period: 3600 },
        app.adminToken,
      );
      expect(free.status, free.text).toBe(201);
      expect(free.body).toMatchObject({
        path: 'api_v1_tasks_task',
        limit: 1,
        period: 3600,
        name: 'api_v1_tasks:1:3600',
        tier_id: tiers.free,
      });
      const pro = await app.api.post(
        '/tier/pro/rate_limit',
        { path: 'api/v1/tasks/task', limit: 10, period: 3600, name: 'api_v1_tasks:10:3600' },
        app.adminToken,
      );
      expect(pro.status, pro.text).toBe(201);
      expect(pro.body).toMatchObject({ path: 'api_v1_tasks_task', limit: 10, tier_id: tiers.pro });
    });

    it('reads the rules back in the documented shapes', async () => {
      const list = await app.api.get('/tier/free/rate_limits');
      expect(list.status).toBe(200);
      expectPage(expect, list.body, { page: 1, itemsPerPage: 10, totalCount: 1 });
      const rule = list.body.data[0];
      expect(Object.keys(rule).sort()).toEqual(RULE_KEYS);
      expect(rule).toMatchObject({
        path: 'api_v1_tasks_task',
        limit: 1,
        period: 3600,
        tier_id: tiers.free,
        name: 'api_v1_tasks:1:3600',
      });
      const one = await app.api.get(`/tier/free/rate_limit/${rule.id}`);
      expect(one.status).toBe(200);
      expect(one.body).toEqual(rule);
      const pro = await app.api.get('/tier/pro/rate_limits');
      expect(pro.body.data).toHaveLength(1);
      expect(pro.body.data[0]).toMatchObject({ name: 'api_v1_tasks:10:3600', limit: 10 });
    });

    it('creates users and assigns their tiers with PATCH /user/{username}/tier', async () => {
      freeUser = await createUser(app, { name: 'Free Person' });
      proUser = await createUser(app, { name: 'Pro Person' });
      for (const [user, tier] of [
        [freeUser, 'free'],
        [proUser, 'pro'],
      ] as const) {
        const res = await app.api.patch(
          `/user/${user.username}/tier`,
          { tier_id: tiers[tier] },
          app.adminToken,
        );
        expect(res.status, res.text).toBe(200);
        expect(res.body).toEqual({ message: `User ${user.name} Tier updated` });
        const read = await app.api.get(`/user/${user.username}`);
        expect(read.body.tier_id).toBe(tiers[tier]);
      }
      const limits = await app.api.get(`/user/${freeUser.username}/rate_limits`, app.adminToken);
      expect(limits.status, limits.text).toBe(200);
      expect(limits.text).toContain('api_v1_tasks:1:3600');
      expect(limits.body.username).toBe(freeUser.username);
    });

    it('logs each user in with form fields (username or email)', async () => {
      const byUsername = await app.api.loginResponse(freeUser.username, freeUser.password);
      expect(byUsername.status).toBe(200);
      expect(decodeJwtPayload(byUsername.body.access_token).sub).toBe(String(freeUser.id));
      const byEmail = await app.api.loginResponse(proUser.email, proUser.password);
      expect(byEmail.status).toBe(200);
      expect(decodeJwtPayload(byEmail.body.access_token).sub).toBe(String(proUser.id));
      freeUser.token = byUsername.body.access_token;
      proUser.token = byEmail.body.access_token;
    });

    it('refuses the free user on the second task with 429 {"detail":"Rate limit exceeded"}', async () => {
      const first = await app.api.post('/tasks/task?message=free1', undefined, freeUser.token);
      expect(first.status, first.text).toBe(201);
      const second = await app.api.post('/tasks/task?message=free2', undefined, freeUser.token);
      expect(second.status).toBe(429);
      expect(second.body).toEqual({ detail: 'Rate limit exceeded' });
      expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('refuses the pro user on the eleventh task', async () => {
      for (let i = 1; i <= 10; i++) {
        const res = await app.api.post(`/tasks/task?message=pro${i}`, undefined, proUser.token);
        expect(res.status, `request ${i}: ${res.text}`).toBe(201);
      }
      const eleventh = await app.api.post('/tasks/task?message=pro11', undefined, proUser.token);
      expect(eleventh.status).toBe(429);
      expect(eleventh.body).toEqual({ detail: 'Rate limit exceeded' });
    });
  });
}
