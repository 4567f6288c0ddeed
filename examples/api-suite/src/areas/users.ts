import {
  ADMIN,
  type ApiSuiteTarget,
  type AppHandle,
  assignTier,
  cacheStatus,
  createPost,
  createRule,
  createTier,
  createUser,
  expectPage,
  uniqueName,
  uniqueUsername,
  useApp,
} from '../fixtures.js';
import type { TestApi } from '../test-api.js';

/** A valid sign-up body; the username and email are fresh unless given. */
function signUpBody(fields: { name: string; username?: string; email?: string }) {
  return {
    username: uniqueUsername(),
    email: `${uniqueUsername()}@example.com`,
    password: 'Passw0rd-long',
    ...fields,
  };
}

/**
 * A user with one post whose list and post pages are both cached (their second read a HIT),
 * for tests of what drops those pages.
 */
async function createUserWithCachedPosts(app: AppHandle) {
  const user = await createUser(app);
  const post = await createPost(app, user, { title: 'Mine', text: 'T' });
  const paths = [`/${user.username}/posts`, `/${user.username}/post/${post.id}`];
  for (const path of paths) {
    await app.api.get(path);
    app.expect(cacheStatus(await app.api.get(path)), path).toBe('HIT');
  }
  return { user, paths };
}

/** Sign-up, reads, self-service updates, duplicates, soft delete and hard delete. */
export function registerUsers(target: ApiSuiteTarget, t: TestApi) {
  const { describe, expect, it } = t;
  describe(`${target.name}: users`, () => {
    const app = useApp(target, t);

    it('signs up publicly with 201 and never returns the password', async () => {
      const username = uniqueUsername('new');
      const res = await app.api.post('/user', {
        name: 'New Person',
        username,
        email: `${username}@example.com`,
        password: 'Passw0rd-long',
      });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toMatchObject({
        name: 'New Person',
        username,
        email: `${username}@example.com`,
      });
      expect(Number.isInteger(res.body.id)).toBe(true);
      expect(res.text).not.toMatch(/password|Passw0rd/i);
    });

    it('reads a user by username, without secrets', async () => {
      const user = await createUser(app);
      const res = await app.api.get(`/user/${user.username}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: user.id, username: user.username, name: user.name });
      expect(res.text).not.toMatch(/password/i);
    });

    it('lists users paginated, the superuser included', async () => {
      const res = await app.api.get('/users?items_per_page=100');
      expect(res.status).toBe(200);
      expectPage(expect, res.body, { page: 1, itemsPerPage: 100 });
      const usernames = res.body.data.map((u: { username: string }) => u.username);
      expect(usernames).toContain(ADMIN.username);
      expect(res.text).not.toMatch(/password/i);
    });

    it('answers 404 "User not found" for an unknown username', async () => {
      const paths = ['/user/nosuchuser', '/user/nosuchuser/tier'];
      for (const path of paths) {
        const res = await app.api.get(path);
        expect(res.status, path).toBe(404);
        expect(res.body).toEqual({ detail: 'User not found' });
      }
      const superuserPaths = [
        ['GET', '/user/nosuchuser/rate_limits'],
        ['DELETE', '/db_user/nosuchuser'],
      ];
      for (const [method, path] of superuserPaths) {
        const res = await app.api.request(method as string, path as string, {
          token: app.adminToken,
        });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.body).toEqual({ detail: 'User not found' });
      }
      const tier = await app.api.patch('/user/nosuchuser/tier', { tier_id: 1 }, app.adminToken);
      expect(tier.status).toBe(404);
    });

    it('refuses a taken username or email with 400 and the exact messages', async () => {
      const user = await createUser(app);
      const sameUsername = await app.api.post(
        '/user',
        signUpBody({ name: 'Someone', username: user.username }),
      );
      expect(sameUsername.status).toBe(400);
      expect(sameUsername.body).toEqual({ detail: 'Username not available' });
      const sameEmail = await app.api.post(
        '/user',
        signUpBody({ name: 'Someone', email: user.email }),
      );
      expect(sameEmail.status).toBe(400);
      expect(sameEmail.body).toEqual({ detail: 'Email is already registered' });
    });

    it('lets users update themselves, refusing taken usernames and emails', async () => {
      const [user, taken] = [await createUser(app), await createUser(app)];
      const ok = await app.api.patch(
        `/user/${user.username}`,
        { name: 'Updated Name' },
        user.token,
      );
      expect(ok.status, ok.text).toBe(200);
      expect((await app.api.get(`/user/${user.username}`)).body.name).toBe('Updated Name');
      const dupUsername = await app.api.patch(
        `/user/${user.username}`,
        { username: taken.username },
        user.token,
      );
      expect(dupUsername.status).toBe(400);
      expect(dupUsername.body).toEqual({ detail: 'Username not available' });
      const dupEmail = await app.api.patch(
        `/user/${user.username}`,
        { email: taken.email },
        user.token,
      );
      expect(dupEmail.status).toBe(400);
      expect(dupEmail.body).toEqual({ detail: 'Email is already registered' });
    });

    it('answers the tier of a user and the rules of their tier', async () => {
      const user = await createUser(app);
      // Without a tier there is nothing to show: the app answers 404 "Tier not found".
      const none = await app.api.get(`/user/${user.username}/tier`);
      expect(none.status, none.text).toBe(404);
      expect(none.body).toEqual({ detail: 'Tier not found' });
      const empty = await app.api.get(`/user/${user.username}/rate_limits`, app.adminToken);
      expect(empty.status, empty.text).toBe(200);
      expect(empty.body).toMatchObject({ username: user.username, tier_rate_limits: [] });

      const tierName = uniqueName('mine');
      const tierId = await createTier(app, tierName);
      const rule = await createRule(app, tierName, { path: 'api/v1/x', limit: 2, period: 60 });
      await assignTier(app, user.username, tierId);
      const withTier = await app.api.get(`/user/${user.username}/tier`);
      expect(withTier.status, withTier.text).toBe(200);
      expect(withTier.body).toMatchObject({
        username: user.username,
        tier_id: tierId,
        tier_name: tierName,
      });
      expect(withTier.text).not.toMatch(/password/i);
      const limits = await app.api.get(`/user/${user.username}/rate_limits`, app.adminToken);
      expect(limits.body).toMatchObject({ username: user.username, tier_id: tierId });
      expect(limits.body.tier_rate_limits).toEqual([rule]);
      expect(limits.text).not.toMatch(/password/i);
    });

    it('answers 404 "Tier not found" when assigning a tier that does not exist', async () => {
      const user = await createUser(app);
      const res = await app.api.patch(
        `/user/${user.username}/tier`,
        { tier_id: 999999 },
        app.adminToken,
      );
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ detail: 'Tier not found' });
    });

    it('soft-deletes a user: gone from reads and logins, the username stays taken', async () => {
      const user = await createUser(app);
      const del = await app.api.delete(`/user/${user.username}`, user.token);
      expect(del.status, del.text).toBe(200);
      expect(typeof del.body.message).toBe('string');
      const read = await app.api.get(`/user/${user.username}`);
      expect(read.status).toBe(404);
      expect(read.body).toEqual({ detail: 'User not found' });
      const list = await app.api.get('/users?items_per_page=100');
      expect(list.text).not.toContain(`"${user.username}"`);
      expect((await app.api.get('/user/me/', user.token)).status).toBe(401);
      expect((await app.api.loginResponse(user.username, user.password)).status).toBe(401);
      // The row is kept, so the name is not free again.
      const again = await app.api.post(
        '/user',
        signUpBody({ name: 'Again', username: user.username }),
      );
      expect(again.status).toBe(400);
      expect(again.body).toEqual({ detail: 'Username not available' });
    });

    it('hard-deletes a user with DELETE /db_user/{username}: the username is free again', async () => {
      const user = await createUser(app);
      await createPost(app, user, { title: 'Gone', text: 'T' });
      const del = await app.api.delete(`/db_user/${user.username}`, app.adminToken);
      expect(del.status, del.text).toBe(200);
      expect(typeof del.body.message).toBe('string');
      expect((await app.api.get(`/user/${user.username}`)).status).toBe(404);
      expect((await app.api.get('/user/me/', user.token)).status).toBe(401);
      const again = await app.api.delete(`/db_user/${user.username}`, app.adminToken);
      expect(again.status).toBe(404);
      const signUp = await app.api.post(
        '/user',
        signUpBody({ name: 'Reborn', username: user.username, email: user.email }),
      );
      expect(signUp.status, signUp.text).toBe(201);
      // The posts went with the old user: the new one starts empty.
      expect((await app.api.get(`/${user.username}/posts`)).body.total_count).toBe(0);
    });

    it("drops a renamed user's cached posts: the old name is not found, the new one is fresh", async () => {
      const { user, paths: oldPaths } = await createUserWithCachedPosts(app);
      const renamed = uniqueUsername('ren');
      const patch = await app.api.patch(
        `/user/${user.username}`,
        { username: renamed },
        user.token,
      );
      expect(patch.status, patch.text).toBe(200);
      for (const path of oldPaths) {
        const res = await app.api.get(path);
        expect(res.status, `${path} after the rename: ${res.text}`).toBe(404);
        expect(res.body).toEqual({ detail: 'User not found' });
      }
      const fresh = await app.api.get(`/${renamed}/posts`);
      expect(fresh.status).toBe(200);
      expect(fresh.body.total_count).toBe(1);
    });

    it("drops a soft-deleted user's cached posts", async () => {
      const { user, paths } = await createUserWithCachedPosts(app);
      expect((await app.api.delete(`/user/${user.username}`, user.token)).status).toBe(200);
      for (const path of paths) {
        expect((await app.api.get(path)).status, path).toBe(404);
      }
    });

    it('hard-deletes a soft-deleted user too', async () => {
      const user = await createUser(app);
      expect((await app.api.delete(`/user/${user.username}`, user.token)).status).toBe(200);
      const del = await app.api.delete(`/db_user/${user.username}`, app.adminToken);
      expect(del.status, del.text).toBe(200);
      const signUp = await app.api.post(
        '/user',
        signUpBody({ name: 'Reborn', username: user.username, email: user.email }),
      );
      expect(signUp.status, signUp.text).toBe(201);
    });
  });
}
