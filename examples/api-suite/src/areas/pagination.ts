import {
  type ApiSuiteTarget,
  createRule,
  createTier,
  createUser,
  expectPage,
  type TestUser,
  uniqueName,
  useApp,
} from '../fixtures.js';
import type { TestApi } from '../test-api.js';

const COUNT = 5;

/** `page`, `items_per_page` and `has_more` at their edges, on every paginated route. */
export function registerPagination(target: ApiSuiteTarget, t: TestApi) {
  const { beforeAll, describe, expect, it } = t;
  describe(`${target.name}: pagination edges`, () => {
    const app = useApp(target, t);
    let user: TestUser;
    let tier: string;
    let ids: number[];

    beforeAll(async () => {
      user = await createUser(app);
      ids = [];
      for (let i = 0; i < COUNT; i++) {
        const res = await app.api.post(
          `/${user.username}/post`,
          { title: `Page post ${i}`, text: 'T' },
          user.token,
        );
        ids.push(res.body.id);
      }
      tier = uniqueName('pages');
      await createTier(app, tier);
      await createRule(app, tier, { path: 'api/v1/a', limit: 1, period: 60 });
    });

    const posts = (query: string) => app.api.get(`/${user.username}/posts${query}`);

    it('defaults to page 1 of 10', async () => {
      const res = await posts('');
      expect(res.status).toBe(200);
      expectPage(expect, res.body, { page: 1, itemsPerPage: 10, totalCount: COUNT });
      expect(res.body.data).toHaveLength(COUNT);
    });

    it('walks 2 per page: full, full, partial, then empty beyond the end', async () => {
      const seen: number[] = [];
      const expected = [
        { page: 1, length: 2, hasMore: true },
        { page: 2, length: 2, hasMore: true },
        { page: 3, length: 1, hasMore: false },
        { page: 4, length: 0, hasMore: false },
        { page: 1000, length: 0, hasMore: false },
      ];
      for (const { page, length, hasMore } of expected) {
        const res = await posts(`?page=${page}&items_per_page=2`);
        expect(res.status, res.text).toBe(200);
        expectPage(expect, res.body, { page, itemsPerPage: 2, totalCount: COUNT });
        expect(res.body.data, `page ${page}`).toHaveLength(length);
        expect(res.body.has_more, `page ${page}`).toBe(hasMore);
        seen.push(...res.body.data.map((p: { id: number }) => p.id));
      }
      // The pages are disjoint and together hold every post exactly once.
      expect([...seen].sort()).toEqual([...ids].sort());
    });

    it('has_more is false exactly when page * items_per_page reaches total_count', async () => {
      const cases: [string, boolean][] = [
        ['?page=1&items_per_page=5', false],
        ['?page=1&items_per_page=4', true],
        ['?page=5&items_per_page=1', false],
        ['?page=4&items_per_page=1', true],
        ['?page=1&items_per_page=6', false],
      ];
      for (const [query, hasMore] of cases) {
        const res = await posts(query);
        expect(res.status).toBe(200);
        expect(res.body.has_more, query).toBe(hasMore);
      }
    });

    it('answers 422 (never 500) for page or items_per_page out of range or not integers', async () => {
      const bad = [
        '?page=0',
        '?page=-1',
        '?page=abc',
        '?page=1.5',
        '?items_per_page=0',
        '?items_per_page=-5',
        '?items_per_page=ten',
        '?items_per_page=2.5',
      ];
      for (const query of bad) {
        const res = await posts(query);
        expect(res.status, `${query}: ${res.text}`).toBe(422);
        expect(res.body?.detail, query).toBeDefined();
      }
    });

    it('never answers 500 for huge page numbers or page sizes', async () => {
      for (const query of [
        '?page=2147483648',
        '?page=99999999999999999999',
        '?items_per_page=1000',
        '?items_per_page=2147483648',
        '?page=1e3',
      ]) {
        const res = await posts(query);
        expect(res.status, `${query}: ${res.text}`).toBeLessThan(500);
        if (res.status === 200) expect(Array.isArray(res.body.data)).toBe(true);
        else expect(res.status, query).toBe(422);
      }
    });

    it('paginates users, tiers and rules the same way', async () => {
      for (const path of ['/users', '/tiers', `/tier/${tier}/rate_limits`]) {
        const first = await app.api.get(`${path}?page=1&items_per_page=1`);
        expect(first.status, path).toBe(200);
        expectPage(expect, first.body, { page: 1, itemsPerPage: 1 });
        expect(first.body.data, path).toHaveLength(1);
        const beyond = await app.api.get(
          `${path}?page=${first.body.total_count + 1}&items_per_page=1`,
        );
        expectPage(expect, beyond.body, {
          page: first.body.total_count + 1,
          itemsPerPage: 1,
          totalCount: first.body.total_count,
        });
        expect(beyond.body.data, path).toHaveLength(0);
        expect((await app.api.get(`${path}?page=0`)).status, path).toBe(422);
        expect((await app.api.get(`${path}?items_per_page=0`)).status, path).toBe(422);
      }
    });
  });
}
