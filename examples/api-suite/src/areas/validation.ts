import type { ApiResponse } from '../client.js';
import {
  type ApiSuiteTarget,
  createRule,
  createTier,
  createUser,
  type TestUser,
  uniqueName,
  uniqueUsername,
  useApp,
} from '../fixtures.js';
import type { Expect, TestApi } from '../test-api.js';

/** A 422 whose `detail` lists what is wrong, naming `field` when one is given. */
function expect422(expect: Expect, res: ApiResponse, what: string, field?: string) {
  expect(res.status, `${what}: ${res.text.slice(0, 300)}`).toBe(422);
  expect(res.body?.detail, what).toBeDefined();
  if (field !== undefined) {
    expect(Array.isArray(res.body.detail), `${what}: detail is a list`).toBe(true);
    expect(JSON.stringify(res.body.detail), what).toContain(field);
  }
}

const validUser = () => {
  const username = uniqueUsername('v');
  return { name: 'Valid Name', username, email: `${username}@example.com`, password: 'Passw0rd!' };
};

/** 422 for malformed JSON, wrong types, unknown fields and out-of-range numbers; never a 500. */
export function registerValidation(target: ApiSuiteTarget, t: TestApi) {
  const { beforeAll, describe, expect, it } = t;
  describe(`${target.name}: invalid input`, () => {
    const app = useApp(target, t, { DEFAULT_RATE_LIMIT_LIMIT: '1000' });
    let user: TestUser;
    let tier: string;
    let rule: { id: number; limit: number; period: number };
    let postId: number;

    beforeAll(async () => {
      user = await createUser(app);
      tier = uniqueName('val');
      await createTier(app, tier);
      rule = await createRule(app, tier, { path: 'api/v1/v', limit: 4, period: 60 });
      const post = await app.api.post(
        `/${user.username}/post`,
        { title: 'Valid', text: 'Body' },
        user.token,
      );
      postId = post.body.id;
    });

    it('answers 422 for malformed JSON and for bodies that are not objects', async () => {
      for (const raw of ['{"name":', '{name: 1}', '', 'null', '[]', '"text"', '42']) {
        const res = await app.api.request('POST', '/user', {
          raw,
          headers: { 'content-type': 'application/json' },
        });
        expect422(expect, res, `POST /user with ${JSON.stringify(raw)}`);
      }
    });

    it('answers 4xx (never 500) for a body that is not JSON at all', async () => {
      const res = await app.api.request('POST', '/user', {
        raw: JSON.stringify(validUser()),
        headers: { 'content-type': 'text/plain' },
      });
      expect(res.status, res.text).toBeGreaterThanOrEqual(400);
      expect(res.status, res.text).toBeLessThan(500);
    });

    it('checks every sign-up field, naming it in the detail', async () => {
      const cases: [string, Record<string, unknown>][] = [
        ['username', { username: 12345 }],
        ['username', { username: 'a' }],
        ['username', { username: 'a'.repeat(21) }],
        ['username', { username: 'UpperCase' }],
        ['username', { username: 'with_underscore' }],
        ['name', { name: 'a' }],
        ['name', { name: 'a'.repeat(31) }],
        ['name', { name: null }],
        ['email', { email: 'not-an-email' }],
        ['password', { password: 'short7!' }],
        ['password', { password: ['Passw0rd!'] }],
        ['password', { password: undefined }],
      ];
      for (const [field, change] of cases) {
        const res = await app.api.post('/user', { ...validUser(), ...change });
        expect422(expect, res, `POST /user ${JSON.stringify(change)}`, field);
      }
    });

    it('rejects unknown fields in rule bodies (and changes nothing)', async () => {
      const create = await app.api.post(
        `/tier/${tier}/rate_limit`,
        { path: 'api/v1/unknown', limit: 1, period: 60, burst: 5 },
        app.adminToken,
      );
      expect422(expect, create, 'POST rate_limit with burst', 'burst');
      const patch = await app.api.patch(
        `/tier/${tier}/rate_limit/${rule.id}`,
        { limit: 9, tier_id: 1 },
        app.adminToken,
      );
      expect422(expect, patch, 'PATCH rate_limit with tier_id', 'tier_id');
      expect((await app.api.get(`/tier/${tier}/rate_limit/${rule.id}`)).body.limit).toBe(4);
    });

    it('answers 422 for rule limits and periods that are not positive integers', async () => {
      const bad: [string, unknown][] = [
        ['limit', 0],
        ['limit', -1],
        ['limit', 1.5],
        ['limit', 'ten'],
        ['limit', '5'],
        ['limit', true],
        ['limit', null],
        ['period', 0],
        ['period', -60],
        ['period', 0.5],
        ['period', {}],
      ];
      for (const [field, value] of bad) {
        const body = {
          path: `api/v1/${uniqueUsername('p')}`,
          limit: 1,
          period: 60,
          [field]: value,
        };
        const create = await app.api.post(`/tier/${tier}/rate_limit`, body, app.adminToken);
        expect422(expect, create, `POST rate_limit ${field}=${JSON.stringify(value)}`, field);
        const patch = await app.api.patch(
          `/tier/${tier}/rate_limit/${rule.id}`,
          { [field]: value },
          app.adminToken,
        );
        expect422(expect, patch, `PATCH rate_limit ${field}=${JSON.stringify(value)}`, field);
      }
      const missing = await app.api.post(
        `/tier/${tier}/rate_limit`,
        { limit: 1, period: 60 },
        app.adminToken,
      );
      expect422(expect, missing, 'POST rate_limit without path', 'path');
      expect((await app.api.get(`/tier/${tier}/rate_limit/${rule.id}`)).body).toMatchObject({
        limit: 4,
        period: 60,
      });
    });

    it('never answers 500 for numbers beyond what the database holds', async () => {
      for (const value of [2147483648, 2 ** 53 + 2, 1e300]) {
        const res = await app.api.post(
          `/tier/${tier}/rate_limit`,
          { path: `api/v1/${uniqueUsername('big')}`, limit: value, period: 60 },
          app.adminToken,
        );
        expect(res.status, `limit ${value}: ${res.text}`).toBeLessThan(500);
      }
      const infinite = await app.api.request('POST', `/tier/${tier}/rate_limit`, {
        raw: '{"path":"api/v1/inf","limit":1e400,"period":60}',
        headers: { 'content-type': 'application/json' },
        token: app.adminToken,
      });
      expect422(expect, infinite, 'limit 1e400', 'limit');
    });

    it('answers 422 for a tier body of the wrong shape', async () => {
      for (const body of [{}, { name: 42 }, { name: '' }, { name: ['free'] }]) {
        const res = await app.api.post('/tier', body, app.adminToken);
        expect422(expect, res, `POST /tier ${JSON.stringify(body)}`, 'name');
      }
      const patch = await app.api.patch(`/tier/${tier}`, { name: 7 }, app.adminToken);
      expect422(expect, patch, 'PATCH /tier name=7', 'name');
    });

    it('answers 422 for a tier_id that is not an integer (404 or 422 for one below 1)', async () => {
      for (const tierId of ['abc', 1.5, null, true]) {
        const res = await app.api.patch(
          `/user/${user.username}/tier`,
          { tier_id: tierId },
          app.adminToken,
        );
        expect422(expect, res, `tier_id ${JSON.stringify(tierId)}`, 'tier_id');
      }
      for (const tierId of [0, -1, 2147483648]) {
        const res = await app.api.patch(
          `/user/${user.username}/tier`,
          { tier_id: tierId },
          app.adminToken,
        );
        expect([404, 422], `tier_id ${tierId}: ${res.text}`).toContain(res.status);
      }
      const missing = await app.api.patch(`/user/${user.username}/tier`, {}, app.adminToken);
      expect422(expect, missing, 'no tier_id', 'tier_id');
    });

    it('checks post titles, texts and media URLs', async () => {
      const cases: [string, Record<string, unknown>][] = [
        ['title', { title: 'a', text: 'Body' }],
        ['title', { title: 'a'.repeat(31), text: 'Body' }],
        ['title', { text: 'Body' }],
        ['text', { title: 'Title', text: '' }],
        ['text', { title: 'Title', text: 'x'.repeat(63207) }],
        ['text', { title: 'Title', text: 42 }],
        ['media_url', { title: 'Title', text: 'Body', media_url: 'not a url' }],
      ];
      for (const [field, body] of cases) {
        const res = await app.api.post(`/${user.username}/post`, body, user.token);
        expect422(expect, res, `POST post ${JSON.stringify(body).slice(0, 80)}`, field);
      }
      const patch = await app.api.patch(
        `/${user.username}/post/${postId}`,
        { title: 'x'.repeat(31) },
        user.token,
      );
      expect422(expect, patch, 'PATCH post with a long title', 'title');
      expect((await app.api.get(`/${user.username}/post/${postId}`)).body.title).toBe('Valid');
    });

    it('answers 422 for path ids that are not integers, and never 500 for huge ones', async () => {
      for (const id of ['abc', '1.5', '1e3']) {
        expect422(expect, await app.api.get(`/${user.username}/post/${id}`), `post id ${id}`);
        expect422(expect, await app.api.get(`/tier/${tier}/rate_limit/${id}`), `rule id ${id}`);
      }
      for (const id of ['0', '-1', '2147483648', '99999999999999999999']) {
        for (const path of [`/${user.username}/post/${id}`, `/tier/${tier}/rate_limit/${id}`]) {
          const res = await app.api.get(path);
          expect([404, 422], `${path}: ${res.text}`).toContain(res.status);
        }
      }
    });

    it('answers 4xx (never 500) for a NUL character in any string input', async () => {
      const nul = '\u0000';
      const requests: [string, string, { json?: unknown; form?: Record<string, string> }][] = [
        ['GET', '/user/a%00b', {}],
        ['GET', '/tier/a%00b', {}],
        ['GET', '/a%00b/posts', {}],
        ['GET', '/tasks/task/a%00b', {}],
        ['POST', '/tasks/task?message=a%00b', {}],
        ['POST', '/login', { form: { username: `a${nul}b`, password: 'whatever1' } }],
        ['POST', '/user', { json: { ...validUser(), name: `a${nul}b` } }],
        ['POST', '/tier', { json: { name: `a${nul}b` } }],
        ['POST', `/tier/${tier}/rate_limit`, { json: { path: `a${nul}b`, limit: 1, period: 60 } }],
        ['POST', `/${user.username}/post`, { json: { title: `a${nul}b`, text: 'T' } }],
        ['POST', `/${user.username}/post`, { json: { title: 'Title', text: `a${nul}b` } }],
      ];
      const failures: string[] = [];
      for (const [method, path, options] of requests) {
        const token = path.startsWith('/tier') ? app.adminToken : user.token;
        const res = await app.api.request(method, path, { ...options, token });
        if (res.status >= 500 || res.status < 400) {
          failures.push(
            `${method} ${path} ${JSON.stringify(options)} -> ${res.status} ${res.text}`,
          );
        }
      }
      expect(failures).toEqual([]);
    });

    it('answers 4xx (never 500) for odd path segments and logins', async () => {
      const paths = [
        '/user/%2A',
        '/user/%C3%28',
        '/%5Ba-z%5D%2A/posts',
        `/tier/${'x'.repeat(500)}`,
      ];
      for (const path of paths) {
        const res = await app.api.get(path);
        expect(res.status, `${path}: ${res.text}`).toBeGreaterThanOrEqual(400);
        expect(res.status, path).toBeLessThan(500);
      }
      const jsonLogin = await app.api.post('/login', { username: 'a', password: 'b' });
      expect(jsonLogin.status, jsonLogin.text).toBeGreaterThanOrEqual(400);
      expect(jsonLogin.status).toBeLessThan(500);
    });

    // A server may close the connection after a 413 while the client is still sending: the
    // request asks for its own connection so no later request reuses a dying one.
    it('answers 413 with a JSON detail for a body over the limit, and loses nothing', async () => {
      const res = await app.api.request('POST', `/${user.username}/post`, {
        json: { title: 'Huge', text: 'x'.repeat(300 * 1024) },
        token: user.token,
        headers: { connection: 'close' },
      });
      expect(res.status, res.text.slice(0, 200)).toBe(413);
      expect(typeof res.body?.detail).toBe('string');
      expect((await app.api.get(`/${user.username}/posts`)).body.total_count).toBe(1);
    });
  });
}
