import type { ApiResponse } from '../client.js';
import {
  type ApiSuiteTarget,
  type AppHandle,
  cacheStatus,
  createPost,
  createUser,
  type TestUser,
  useApp,
} from '../fixtures.js';
import type { TestApi } from '../test-api.js';

interface PostSummary {
  id: number;
  title: string;
}

/** Every list URL a client could have cached for a user with `count` posts, 2 per page. */
function listPaths(username: string, count: number): string[] {
  const pages = Math.ceil(count / 2) + 1; // one page beyond the end, too
  const paths = [`/${username}/posts`, `/${username}/posts?page=1&items_per_page=10`];
  for (let page = 1; page <= pages; page++) {
    paths.push(`/${username}/posts?page=${page}&items_per_page=2`);
  }
  return paths;
}

/** Reads each path twice so each is known to be cached (the second read is a HIT). */
async function warm({ api, expect }: AppHandle, paths: string[]) {
  for (const path of paths) {
    await api.get(path);
    const again = await api.get(path);
    expect(again.status, path).toBeLessThan(300);
    expect(cacheStatus(again), `X-Cache of the second read of ${path}`).toBe('HIT');
  }
}

/** Reads every page of the list and returns what a client sees: totals and all posts. */
async function readAllPages({ api, expect }: AppHandle, username: string, count: number) {
  const totals = new Set<number>();
  const seen = new Map<string, PostSummary[]>();
  for (const path of listPaths(username, count)) {
    const res = await api.get(path);
    expect(res.status, path).toBe(200);
    totals.add(res.body.total_count);
    seen.set(path, res.body.data);
  }
  const paged = listPaths(username, count)
    .filter((p) => p.includes('items_per_page=2'))
    .flatMap((p) => seen.get(p) ?? []);
  return { totals: [...totals], paged, all: seen };
}

/** Cached reads (`X-Cache` MISS then HIT) and their invalidation by every kind of write. */
export function registerCache(target: ApiSuiteTarget, t: TestApi) {
  const { beforeAll, describe, expect, it } = t;
  describe(`${target.name}: the cache`, () => {
    const app = useApp(target, t);
    let user: TestUser;
    const posts: PostSummary[] = [];

    beforeAll(async () => {
      user = await createUser(app);
      for (let i = 1; i <= 5; i++) {
        const post = await createPost(app, user, { title: `Post ${i}`, text: `Text ${i}` });
        posts.push({ id: post.id, title: `Post ${i}` });
      }
    });

    /** Every page of the list (read as if it held `count` posts) shows exactly `posts`. */
    async function expectListShowsPosts(count: number) {
      const { totals, paged } = await readAllPages(app, user.username, count);
      expect(totals).toEqual([posts.length]);
      expect(paged.map((p) => p.id).sort()).toEqual(posts.map((p) => p.id).sort());
    }

    /** Warms the first post and the list, deletes the post with `remove`, checks every read. */
    async function expectDeleteShown(remove: (id: number) => Promise<ApiResponse>) {
      const [removed] = posts.splice(0, 1);
      const postPath = `/${user.username}/post/${removed!.id}`;
      await warm(app, [postPath, ...listPaths(user.username, posts.length + 1)]);
      const del = await remove(removed!.id);
      expect(del.status, del.text).toBe(200);
      expect((await app.api.get(postPath)).status).toBe(404);
      await expectListShowsPosts(posts.length + 1);
    }

    it('serves a post from the cache the second time, byte for byte', async () => {
      const path = `/${user.username}/post/${posts[0]!.id}`;
      const first = await app.api.get(path);
      const second = await app.api.get(path);
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(cacheStatus(first)).toBe('MISS');
      expect(cacheStatus(second)).toBe('HIT');
      expect(second.text).toBe(first.text);
      expect(second.headers.get('content-type')).toBe(first.headers.get('content-type'));
    });

    it('serves a list page from the cache the second time, byte for byte', async () => {
      const path = `/${user.username}/posts?page=2&items_per_page=2`;
      const first = await app.api.get(path);
      const second = await app.api.get(path);
      expect(cacheStatus(first)).toBe('MISS');
      expect(cacheStatus(second)).toBe('HIT');
      expect(second.text).toBe(first.text);
    });

    it('sends Cache-Control public with max-age to anonymous readers, private with a token', async () => {
      const path = `/${user.username}/post/${posts[1]!.id}`;
      const anonymous = await app.api.get(path);
      expect(anonymous.headers.get('cache-control')).toMatch(/public/);
      expect(anonymous.headers.get('cache-control')).toMatch(/max-age=60/);
      const withToken = await app.api.get(path, user.token);
      expect(withToken.status).toBe(200);
      expect(withToken.headers.get('cache-control')).toMatch(/private/);
      expect(withToken.headers.get('cache-control')).not.toMatch(/public/);
    });

    it('never marks errors or writes public', async () => {
      const missing = await app.api.get(`/${user.username}/post/999999`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get('cache-control') ?? '').not.toMatch(/public/);
      const write = await app.api.post('/user', { name: 'x' });
      expect(write.headers.get('cache-control') ?? '').not.toMatch(/public/);
    });

    it('answers 304 to a matching If-None-Match', async () => {
      const path = `/${user.username}/post/${posts[2]!.id}`;
      await app.api.get(path);
      const cached = await app.api.get(path);
      const etag = cached.headers.get('etag');
      expect(etag, 'ETag on a cached response').toBeTruthy();
      const revalidated = await app.api.get(path, undefined, { 'if-none-match': etag! });
      expect(revalidated.status).toBe(304);
    });

    it('shows a PATCH on the next read of the post and of every page of the list', async () => {
      const target = posts[3]!;
      const postPath = `/${user.username}/post/${target.id}`;
      await warm(app, [postPath, ...listPaths(user.username, posts.length)]);
      const patch = await app.api.patch(postPath, { title: 'Patched' }, user.token);
      expect(patch.status, patch.text).toBe(200);
      target.title = 'Patched';
      expect((await app.api.get(postPath)).body.title).toBe('Patched');
      const { totals, paged, all } = await readAllPages(app, user.username, posts.length);
      expect(totals).toEqual([posts.length]);
      expect(paged.map((p) => p.title).sort()).toEqual(posts.map((p) => p.title).sort());
      for (const [path, data] of all) {
        expect(JSON.stringify(data), path).not.toContain('"Post 4"');
      }
    });

    it('shows a DELETE on the next read of the post and of every page of the list', async () => {
      await expectDeleteShown((id) => app.api.delete(`/${user.username}/post/${id}`, user.token));
    });

    it('shows a create on the next read of every page of the list', async () => {
      await warm(app, listPaths(user.username, posts.length + 1));
      const res = await app.api.post(
        `/${user.username}/post`,
        { title: 'Brand new', text: 'Fresh' },
        user.token,
      );
      expect(res.status, res.text).toBe(201);
      posts.push({ id: res.body.id, title: 'Brand new' });
      await expectListShowsPosts(posts.length);
    });

    it("shows the superuser's hard delete on the next read of the post and the list", async () => {
      await expectDeleteShown((id) =>
        app.api.delete(`/${user.username}/db_post/${id}`, app.adminToken),
      );
    });

    it('validates the query the same whether or not the default page is cached', async () => {
      const fresh = await createUser(app);
      await app.api.post(`/${fresh.username}/post`, { title: 'One', text: 'T' }, fresh.token);
      const cold = await app.api.get(`/${fresh.username}/posts?page=`);
      await warm(app, [`/${fresh.username}/posts`]);
      const warmRes = await app.api.get(`/${fresh.username}/posts?page=`);
      expect(warmRes.status, `cold: ${cold.status} ${cold.text}; warm: ${warmRes.text}`).toBe(
        cold.status,
      );
      expect(cold.status, cold.text).toBe(422);
    });

    it('cannot be poisoned by a repeated query parameter', async () => {
      const fresh = await createUser(app);
      const ids: number[] = [];
      for (let i = 1; i <= 4; i++) {
        const res = await app.api.post(
          `/${fresh.username}/post`,
          { title: `P${i}`, text: 'T' },
          fresh.token,
        );
        ids.push(res.body.id);
      }
      // Whatever the app makes of the repeated parameter, its answer must describe its own data
      // and must not land in the cache under another page's key.
      const odd = await app.api.get(`/${fresh.username}/posts?page=1&page=2&items_per_page=2`);
      expect(odd.status).toBeLessThan(500);
      if (odd.status === 200) {
        const start = (odd.body.page - 1) * odd.body.items_per_page;
        expect(odd.body.data.map((p: PostSummary) => p.id)).toEqual(
          ids.slice(start, start + odd.body.items_per_page),
        );
      }
      for (const page of [1, 2]) {
        const res = await app.api.get(`/${fresh.username}/posts?page=${page}&items_per_page=2`);
        expect(res.body.page).toBe(page);
        expect(
          res.body.data.map((p: PostSummary) => p.id),
          `page ${page} (X-Cache ${cacheStatus(res)})`,
        ).toEqual(ids.slice((page - 1) * 2, page * 2));
      }
    });

    it("leaves other users' cached pages alone", async () => {
      const other = await createUser(app);
      await app.api.post(`/${other.username}/post`, { title: 'Other', text: 'T' }, other.token);
      const path = `/${other.username}/posts`;
      await warm(app, [path]);
      await app.api.post(`/${user.username}/post`, { title: 'Mine', text: 'T' }, user.token);
      expect(cacheStatus(await app.api.get(path))).toBe('HIT');
    });
  });
}
