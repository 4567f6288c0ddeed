import {
  type ApiSuiteTarget,
  cacheStatus,
  createTier,
  createUser,
  type TestUser,
  uniqueName,
  uniqueUsername,
  useApp,
} from '../fixtures.js';
import type { TestApi } from '../test-api.js';

/** `levels` nested arrays around `inner`: `[[[...inner...]]]`. */
const nested = (levels: number, inner = '1') =>
  `${'['.repeat(levels)}${inner}${']'.repeat(levels)}`;

/**
 * Input built to exhaust the server: deep JSON, huge bodies, a query the validator and the cache
 * could read differently, rule paths that can never match and names longer than their column.
 */
export function registerBoundedInput(target: ApiSuiteTarget, t: TestApi) {
  const { beforeAll, describe, expect, it } = t;
  describe(`${target.name}: bounded input`, () => {
    const app = useApp(target, t, { DEFAULT_RATE_LIMIT_LIMIT: '1000' });
    let user: TestUser;
    let tier: string;

    beforeAll(async () => {
      user = await createUser(app);
      tier = uniqueName('bound');
      await createTier(app, tier);
    });

    it('answers 422 with a detail for JSON nested 100,000 deep on every JSON route', async () => {
      const deep = nested(100_000);
      const routes: [string, string, string | undefined][] = [
        ['POST', '/user', undefined],
        ['POST', `/${user.username}/post`, user.token],
        ['PATCH', `/user/${user.username}`, user.token],
        ['POST', '/tier', app.adminToken],
        ['POST', `/tier/${tier}/rate_limit`, app.adminToken],
      ];
      for (const [method, path, token] of routes) {
        for (const raw of [deep, `{"name":${deep}}`]) {
          const started = Date.now();
          const res = await app.api.request(method, path, {
            raw,
            token,
            headers: { 'content-type': 'application/json' },
          });
          expect(res.status, `${method} ${path}: ${res.text.slice(0, 200)}`).toBe(422);
          expect(JSON.stringify(res.body?.detail), `${method} ${path}`).toMatch(/deeper than/);
          expect(Date.now() - started, `${method} ${path} took too long`).toBeLessThan(2000);
        }
      }
    });

    it('still finds a NUL at the deepest level it accepts, and no 500 just past it', async () => {
      const inner = nested(30, '"a\\u0000b"');
      const res = await app.api.request('POST', '/tier', {
        raw: `{"name":${inner}}`,
        token: app.adminToken,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status, res.text).toBe(422);
      expect(JSON.stringify(res.body.detail)).toContain('NUL');
      const past = await app.api.request('POST', '/tier', {
        raw: `{"name":${nested(32)}}`,
        token: app.adminToken,
        headers: { 'content-type': 'application/json' },
      });
      expect(past.status, past.text).toBe(422);
    });

    it('counts only real nesting: brackets inside strings are text', async () => {
      const text = `${'['.repeat(5000)}{"x":"\\"${'{'.repeat(100)}`;
      const res = await app.api.post(
        `/${user.username}/post`,
        { title: 'Brackets', text },
        user.token,
      );
      expect(res.status, res.text.slice(0, 200)).toBe(201);
      expect(res.body.text).toBe(text);
    });

    it('answers 413 with a detail for a body over the size limit on every body route', async () => {
      const huge = JSON.stringify({ name: 'x'.repeat(300 * 1024) });
      for (const [path, token] of [
        ['/user', undefined],
        ['/tier', app.adminToken],
      ] as const) {
        const res = await app.api.request('POST', path, {
          raw: huge,
          token,
          headers: { 'content-type': 'application/json', connection: 'close' },
        });
        expect(res.status, `${path}: ${res.text.slice(0, 200)}`).toBe(413);
        expect(typeof res.body?.detail, path).toBe('string');
      }
    });

    it('validates the very query the cache keys by, also past a second "?"', async () => {
      const owner = await createUser(app);
      for (const title of ['First', 'Second', 'Third']) {
        const res = await app.api.post(
          `/${owner.username}/post`,
          { title, text: 'T' },
          owner.token,
        );
        expect(res.status, res.text).toBe(201);
      }
      const tricky = await app.api.get(`/${owner.username}/posts?x=?&page=2&items_per_page=1`);
      expect(tricky.status, tricky.text).toBe(200);
      expect(tricky.body.page, 'the handler reads the page past the second "?"').toBe(2);
      expect(tricky.body.items_per_page).toBe(1);
      expect(tricky.body.data.map((post: { title: string }) => post.title)).toEqual(['Second']);
      // Whatever was cached (or not) for it, the plain pages read as their own.
      for (let round = 0; round < 2; round++) {
        const first = await app.api.get(`/${owner.username}/posts?page=1&items_per_page=1`);
        expect(first.body.page, `round ${round}, ${cacheStatus(first)}`).toBe(1);
        expect(first.body.data[0].title).toBe('First');
        const second = await app.api.get(`/${owner.username}/posts?page=2&items_per_page=1`);
        expect(second.body.data[0].title, `round ${round}`).toBe('Second');
      }
      const bad = await app.api.get(`/${owner.username}/posts?x=?&page=abc`);
      expect(bad.status, 'a bad page past a second "?" is still validated').toBe(422);
    });

    it('refuses rule paths that can never match a request', async () => {
      const bad = [
        '?x',
        '/?x=1',
        'api/v1/tasks/task?x=1',
        'api/v1/tasks#top',
        'API/v1/tasks/task',
        'api/v1/Tasks',
        'api/v1/ta sks',
        'api/v1/t\tab',
        'api/v1/%zz',
        'api/v1/"quoted"',
        '/',
        '///',
      ];
      const created = await app.api.post(
        `/tier/${tier}/rate_limit`,
        { path: 'api/v1/bounded', limit: 2, period: 60 },
        app.adminToken,
      );
      expect(created.status, created.text).toBe(201);
      for (const path of bad) {
        const create = await app.api.post(
          `/tier/${tier}/rate_limit`,
          { path, limit: 1, period: 60 },
          app.adminToken,
        );
        expect(create.status, `POST ${JSON.stringify(path)}: ${create.text}`).toBe(422);
        expect(JSON.stringify(create.body.detail)).toContain('path');
        const patch = await app.api.patch(
          `/tier/${tier}/rate_limit/${created.body.id}`,
          { path },
          app.adminToken,
        );
        expect(patch.status, `PATCH ${JSON.stringify(path)}: ${patch.text}`).toBe(422);
      }
      const rule = await app.api.get(`/tier/${tier}/rate_limit/${created.body.id}`);
      expect(rule.body.path).toBe('api_v1_bounded');
      for (const path of ['/api/v1/tasks/task/', 'api/v1/user/a-b.c~d', 'api/v1/tier/a%20b']) {
        const ok = await app.api.post(
          `/tier/${tier}/rate_limit`,
          { path, limit: 1, period: 60 },
          app.adminToken,
        );
        expect(ok.status, `${path}: ${ok.text}`).toBe(201);
      }
    });

    it('shortens generated names of long paths to fit the column, keeping them apart', async () => {
      const stem = `api_${'a'.repeat(150)}`;
      const names = new Set<string>();
      for (const path of [`${stem}x`, `${stem}y`, 'p'.repeat(101), 'q'.repeat(255)]) {
        const res = await app.api.post(
          `/tier/${tier}/rate_limit`,
          { path, limit: 2147483647, period: 2147483647 },
          app.adminToken,
        );
        expect(res.status, `${path.length} characters: ${res.text}`).toBe(201);
        expect(res.body.name.length).toBeLessThanOrEqual(100);
        expect(res.body.name).toMatch(/:2147483647:2147483647$/);
        names.add(res.body.name);
        const read = await app.api.get(`/tier/${tier}/rate_limit/${res.body.id}`);
        expect(read.body.path).toBe(path);
      }
      expect(names.size).toBe(4);
      const short = await app.api.post(
        `/tier/${tier}/rate_limit`,
        { path: `api/v1/${uniqueUsername('n')}/x`, limit: 3, period: 60 },
        app.adminToken,
      );
      expect(short.body.name).toMatch(/^api_v1_n\w+:3:60$/);
    });
  });
}
