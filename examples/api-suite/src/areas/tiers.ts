import {
  type ApiSuiteTarget,
  createRule,
  createTier,
  expectPage,
  uniqueName,
  useApp,
} from '../fixtures.js';
import type { TestApi } from '../test-api.js';

/** Tier and rule CRUD: shapes, messages, duplicates and 404s. */
export function registerTiers(target: ApiSuiteTarget, t: TestApi) {
  const { describe, expect, it } = t;
  describe(`${target.name}: tiers and rate-limit rules`, () => {
    const app = useApp(target, t);

    it('updates a tier ({"message":"Tier updated"}) and serves it under its new name', async () => {
      const [before, after] = [uniqueName('old'), uniqueName('new')];
      const id = await createTier(app, before);
      const res = await app.api.patch(`/tier/${before}`, { name: after }, app.adminToken);
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({ message: 'Tier updated' });
      expect((await app.api.get(`/tier/${after}`)).body).toMatchObject({ id, name: after });
      const old = await app.api.get(`/tier/${before}`);
      expect(old.status).toBe(404);
      expect(old.body).toEqual({ detail: 'Tier not found' });
    });

    it('deletes a tier ({"message":"Tier deleted"}), after which it is not found', async () => {
      const name = uniqueName('gone');
      await createTier(app, name);
      const res = await app.api.delete(`/tier/${name}`, app.adminToken);
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({ message: 'Tier deleted' });
      expect((await app.api.get(`/tier/${name}`)).status).toBe(404);
      const list = await app.api.get('/tiers?items_per_page=100');
      expect(list.body.data.map((t: { name: string }) => t.name)).not.toContain(name);
    });

    it('answers 404 "Tier not found" on every tier route for an unknown tier', async () => {
      const requests: [string, string, unknown?][] = [
        ['GET', '/tier/nosuchtier'],
        ['PATCH', '/tier/nosuchtier', { name: uniqueName('x') }],
        ['DELETE', '/tier/nosuchtier'],
        ['POST', '/tier/nosuchtier/rate_limit', { path: 'api/v1/x', limit: 1, period: 60 }],
        ['GET', '/tier/nosuchtier/rate_limits'],
        ['GET', '/tier/nosuchtier/rate_limit/1'],
        ['PATCH', '/tier/nosuchtier/rate_limit/1', { limit: 2 }],
        ['DELETE', '/tier/nosuchtier/rate_limit/1'],
      ];
      for (const [method, path, json] of requests) {
        const res = await app.api.request(method, path, { json, token: app.adminToken });
        expect(res.status, `${method} ${path}: ${res.text}`).toBe(404);
        expect(res.body, `${method} ${path}`).toEqual({ detail: 'Tier not found' });
      }
    });

    it('refuses a duplicate tier name with 400 "Tier Name not available", on create and rename', async () => {
      const [a, b] = [uniqueName('dup'), uniqueName('dup')];
      await createTier(app, a);
      await createTier(app, b);
      const create = await app.api.post('/tier', { name: a }, app.adminToken);
      expect(create.status).toBe(400);
      expect(create.body).toEqual({ detail: 'Tier Name not available' });
      const rename = await app.api.patch(`/tier/${b}`, { name: a }, app.adminToken);
      expect(rename.status).toBe(400);
      expect(rename.body).toEqual({ detail: 'Tier Name not available' });
    });

    it('reads, updates and deletes a rule', async () => {
      const tier = uniqueName('crud');
      const tierId = await createTier(app, tier);
      const rule = await createRule(app, tier, {
        path: '/api/v1/users/',
        limit: 5,
        period: 60,
        name: uniqueName('rule'),
      });
      expect(rule).toMatchObject({ path: 'api_v1_users', limit: 5, period: 60, tier_id: tierId });
      const patch = await app.api.patch(
        `/tier/${tier}/rate_limit/${rule.id}`,
        { limit: 7, period: 120 },
        app.adminToken,
      );
      expect(patch.status, patch.text).toBe(200);
      const read = await app.api.get(`/tier/${tier}/rate_limit/${rule.id}`);
      expect(read.body).toEqual({ ...rule, limit: 7, period: 120 });
      const del = await app.api.delete(`/tier/${tier}/rate_limit/${rule.id}`, app.adminToken);
      expect(del.status, del.text).toBe(200);
      const gone = await app.api.get(`/tier/${tier}/rate_limit/${rule.id}`);
      expect(gone.status).toBe(404);
      expect(gone.body).toEqual({ detail: 'Rate Limit not found' });
      const list = await app.api.get(`/tier/${tier}/rate_limits`);
      expectPage(expect, list.body, { page: 1, itemsPerPage: 10, totalCount: 0 });
    });

    it('answers 404 "Rate Limit not found" for an unknown id or a rule of another tier', async () => {
      const [mine, theirs] = [uniqueName('mine'), uniqueName('theirs')];
      await createTier(app, mine);
      await createTier(app, theirs);
      const rule = await createRule(app, theirs, { path: 'api/v1/a', limit: 1, period: 60 });
      for (const id of [999999, rule.id]) {
        const requests: [string, unknown?][] = [['GET'], ['PATCH', { limit: 3 }], ['DELETE']];
        for (const [method, json] of requests) {
          const path = `/tier/${mine}/rate_limit/${id}`;
          const res = await app.api.request(method, path, { json, token: app.adminToken });
          expect(res.status, `${method} ${path}: ${res.text}`).toBe(404);
          expect(res.body).toEqual({ detail: 'Rate Limit not found' });
        }
      }
      expect((await app.api.get(`/tier/${theirs}/rate_limit/${rule.id}`)).body.limit).toBe(1);
    });

    it('refuses a duplicate rule name with 400 "Rate Limit Name not available"', async () => {
      const [a, b] = [uniqueName('rn'), uniqueName('rn')];
      await createTier(app, a);
      await createTier(app, b);
      const name = uniqueName('rule');
      await createRule(app, a, { path: 'api/v1/one', limit: 1, period: 60, name });
      const dup = await app.api.post(
        `/tier/${b}/rate_limit`,
        { path: 'api/v1/two', limit: 1, period: 60, name },
        app.adminToken,
      );
      expect(dup.status).toBe(400);
      expect(dup.body).toEqual({ detail: 'Rate Limit Name not available' });
    });

    it('keeps one rule per (tier, path): a second rule for the same path is a 400', async () => {
      const tier = uniqueName('one');
      await createTier(app, tier);
      await createRule(app, tier, { path: 'api/v1/tasks/task', limit: 1, period: 60 });
      const again = await app.api.post(
        `/tier/${tier}/rate_limit`,
        { path: '/api/v1/tasks/task/', limit: 2, period: 120, name: uniqueName('other') },
        app.adminToken,
      );
      expect(again.status, again.text).toBe(400);
      // The issue names no message for this; the apps chose this one.
      expect(again.body).toEqual({ detail: 'Rate Limit Path not available' });
      const list = await app.api.get(`/tier/${tier}/rate_limits`);
      expect(list.body.total_count).toBe(1);
    });

    it('lets two tiers each have a rule for the same path', async () => {
      const [a, b] = [uniqueName('pa'), uniqueName('pb')];
      await createTier(app, a);
      await createTier(app, b);
      await createRule(app, a, { path: 'api/v1/same', limit: 1, period: 60 });
      await createRule(app, b, { path: 'api/v1/same', limit: 2, period: 60 });
      expect((await app.api.get(`/tier/${b}/rate_limits`)).body.data[0].limit).toBe(2);
    });
  });
}
