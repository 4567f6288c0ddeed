import { type ApiSuiteTarget, createPost, createUser, expectPage, useApp } from '../fixtures.js';
import type { TestApi } from '../test-api.js';

/** Post CRUD (without the cache's point of view, which `cache.ts` covers). */
export function registerPosts(target: ApiSuiteTarget, t: TestApi) {
  const { describe, expect, it } = t;
  describe(`${target.name}: posts`, () => {
    const app = useApp(target, t);

    it('creates a post for its owner with 201 and reads it back', async () => {
      const user = await createUser(app);
      const created = await createPost(app, user, {
        title: 'My title',
        text: 'Some text',
        media_url: 'https://example.com/a.png',
      });
      expect(created).toMatchObject({
        title: 'My title',
        text: 'Some text',
        media_url: 'https://example.com/a.png',
      });
      expect(Number.isInteger(created.id)).toBe(true);
      const read = await app.api.get(`/${user.username}/post/${created.id}`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ id: created.id, title: 'My title', text: 'Some text' });
      const list = await app.api.get(`/${user.username}/posts`);
      expectPage(expect, list.body, { page: 1, itemsPerPage: 10, totalCount: 1 });
      expect(list.body.data[0]).toMatchObject({ id: created.id, title: 'My title' });
    });

    it('accepts a post without media_url and the extreme lengths of title and text', async () => {
      const user = await createUser(app);
      for (const post of [
        { title: 'ab', text: 'x' },
        { title: 't'.repeat(30), text: 'y'.repeat(63206) },
      ]) {
        const res = await app.api.post(`/${user.username}/post`, post, user.token);
        expect(res.status, res.text.slice(0, 300)).toBe(201);
        const read = await app.api.get(`/${user.username}/post/${res.body.id}`);
        expect(read.body.text).toBe(post.text);
      }
    });

    it('updates and soft-deletes a post for its owner', async () => {
      const user = await createUser(app);
      const created = await createPost(app, user, { title: 'Before', text: 'Text' });
      const path = `/${user.username}/post/${created.id}`;
      const patch = await app.api.patch(path, { title: 'After' }, user.token);
      expect(patch.status, patch.text).toBe(200);
      expect((await app.api.get(path)).body).toMatchObject({ title: 'After', text: 'Text' });
      const del = await app.api.delete(path, user.token);
      expect(del.status, del.text).toBe(200);
      const gone = await app.api.get(path);
      expect(gone.status).toBe(404);
      expect(gone.body).toEqual({ detail: 'Post not found' });
      expect((await app.api.patch(path, { title: 'Again' }, user.token)).status).toBe(404);
      expect((await app.api.delete(path, user.token)).status).toBe(404);
    });

    it('hard-deletes a post as the superuser with DELETE /{username}/db_post/{id}', async () => {
      const user = await createUser(app);
      const created = await createPost(app, user, { title: 'Doomed', text: 'Text' });
      const del = await app.api.delete(`/${user.username}/db_post/${created.id}`, app.adminToken);
      expect(del.status, del.text).toBe(200);
      expect((await app.api.get(`/${user.username}/post/${created.id}`)).status).toBe(404);
      const again = await app.api.delete(`/${user.username}/db_post/${created.id}`, app.adminToken);
      expect(again.status).toBe(404);
      expect(again.body).toEqual({ detail: 'Post not found' });
    });

    it('answers 404 "Post not found" for a missing post or another user\'s post id', async () => {
      const [a, b] = [await createUser(app), await createUser(app)];
      const created = await createPost(app, a, { title: 'Ab', text: 'T' });
      for (const path of [`/${a.username}/post/999999`, `/${b.username}/post/${created.id}`]) {
        const res = await app.api.get(path);
        expect(res.status, path).toBe(404);
        expect(res.body).toEqual({ detail: 'Post not found' });
      }
      const writes = await app.api.patch(
        `/${b.username}/post/${created.id}`,
        { title: 'X1' },
        b.token,
      );
      expect(writes.status).toBe(404);
      expect((await app.api.get(`/${a.username}/post/${created.id}`)).body.title).toBe('Ab');
    });

    it('answers 404 "User not found" for the posts of an unknown user', async () => {
      for (const path of ['/nosuchuser/posts', '/nosuchuser/post/1']) {
        const res = await app.api.get(path);
        expect(res.status, path).toBe(404);
        expect(res.body).toEqual({ detail: 'User not found' });
      }
    });
  });
}
