import { type ApiResponse, decodeJwtPayload } from '../client.js';
import {
  type ApiSuiteTarget,
  type AppHandle,
  createUser,
  type TestUser,
  uniqueUsername,
  useApp,
} from '../fixtures.js';
import type { Expect, TestApi } from '../test-api.js';

function expect401(expect: Expect, res: ApiResponse, what: string) {
  expect(res.status, `${what}: ${res.text}`).toBe(401);
  expect(res.body, what).toEqual({ detail: 'User not authenticated.' });
}

/** Registers a fresh account under a name another (renamed or deleted) account had. */
async function registerName(app: AppHandle, username: string): Promise<TestUser> {
  return createUser(app, { username, email: `${uniqueUsername('e')}@example.com` });
}

/**
 * The stale token of an account that gave its name up must not act as the account that took it:
 * not on /user/me/, not on its profile, not on its posts.
 */
async function expectNoAccess(app: AppHandle, staleToken: string, heir: TestUser) {
  const { api, expect } = app;
  expect401(expect, await api.get('/user/me/', staleToken), 'GET /user/me/');
  const patch = await api.patch(
    `/user/${heir.username}`,
    { email: `${uniqueUsername('x')}@evil.example` },
    staleToken,
  );
  expect401(expect, patch, "PATCH the heir's profile");
  const post = await api.post(`/${heir.username}/post`, { title: 'Mine', text: 'now' }, staleToken);
  expect401(expect, post, 'POST a post as the heir');
  const read = await api.get(`/user/${heir.username}`);
  expect(read.body.email, 'the heir keeps its email').toBe(heir.email);
  expect((await api.get(`/${heir.username}/posts`)).body.total_count).toBe(0);
  // The heir's own token works: the refusals above are about the stale token.
  expect((await api.get('/user/me/', heir.token)).body.username).toBe(heir.username);
}

/** Issue 11, finding 1: tokens name the immutable user id and the account's token version. */
export function registerAccountTokens(target: ApiSuiteTarget, t: TestApi) {
  const { describe, expect, it } = t;
  describe(`${target.name}: tokens are bound to the account, not to its name`, () => {
    const app = useApp(target, t);

    it('names the user id and a token version in the access token', async () => {
      const user = await createUser(app);
      const claims = decodeJwtPayload(user.token);
      expect(claims.sub).toBe(String(user.id));
      expect(Number.isInteger(claims.ver)).toBe(true);
      expect(claims.token_type).toBe('access');
      expect(typeof claims.jti).toBe('string');
    });

    it('refuses the token of a renamed user once another account takes the old name', async () => {
      const user = await createUser(app);
      const renamed = uniqueUsername('ren');
      const patch = await app.api.patch(
        `/user/${user.username}`,
        { username: renamed },
        user.token,
      );
      expect(patch.status, patch.text).toBe(200);
      const heir = await registerName(app, user.username);
      await expectNoAccess(app, user.token, heir);
      // The renamed account itself logs in again under its new name.
      const token = await app.api.login(renamed, user.password);
      expect((await app.api.get('/user/me/', token)).body).toMatchObject({
        id: user.id,
        username: renamed,
      });
    });

    it('ends the tokens of a rename at once, before anyone takes the name', async () => {
      const user = await createUser(app);
      const patch = await app.api.patch(
        `/user/${user.username}`,
        { username: uniqueUsername('ren') },
        user.token,
      );
      expect(patch.status, patch.text).toBe(200);
      expect401(expect, await app.api.get('/user/me/', user.token), 'after the rename');
    });

    it('keeps the tokens of an update that does not rename', async () => {
      const user = await createUser(app);
      const patch = await app.api.patch(
        `/user/${user.username}`,
        { name: 'Same Name' },
        user.token,
      );
      expect(patch.status, patch.text).toBe(200);
      expect((await app.api.get('/user/me/', user.token)).status).toBe(200);
    });

    it('refuses the token of a hard-deleted user once another account takes the name', async () => {
      const user = await createUser(app);
      const del = await app.api.delete(`/db_user/${user.username}`, app.adminToken);
      expect(del.status, del.text).toBe(200);
      const heir = await createUser(app, { username: user.username, email: user.email });
      expect(heir.id).not.toBe(user.id);
      await expectNoAccess(app, user.token, heir);
    });

    it('ends every token on a password change; the old password stops working', async () => {
      const user = await createUser(app);
      const second = await app.api.login(user.username, user.password);
      const path = `/user/${user.username}/password`;
      const wrong = await app.api.patch(
        path,
        { current_password: 'not-the-password', new_password: 'N3w-passw0rd!' },
        user.token,
      );
      expect(wrong.status, wrong.text).toBe(400);
      expect((await app.api.get('/user/me/', user.token)).status, 'unchanged').toBe(200);
      const change = await app.api.patch(
        path,
        { current_password: user.password, new_password: 'N3w-passw0rd!' },
        user.token,
      );
      expect(change.status, change.text).toBe(200);
      expect401(expect, await app.api.get('/user/me/', user.token), 'the changing token');
      expect401(expect, await app.api.get('/user/me/', second), 'another session');
      expect((await app.api.loginResponse(user.username, user.password)).status).toBe(401);
      expect(
        (await app.api.get('/user/me/', await app.api.login(user.username, 'N3w-passw0rd!')))
          .status,
      ).toBe(200);
    });

    it("refuses to change another user's password (403)", async () => {
      const owner = await createUser(app);
      const other = await createUser(app);
      const res = await app.api.patch(
        `/user/${owner.username}/password`,
        { current_password: other.password, new_password: 'N3w-passw0rd!' },
        other.token,
      );
      expect(res.status, res.text).toBe(403);
      expect((await app.api.loginResponse(owner.username, owner.password)).status).toBe(200);
    });

    it('ends the tokens of a soft-deleted user', async () => {
      const user = await createUser(app);
      expect((await app.api.delete(`/user/${user.username}`, user.token)).status).toBe(200);
      expect401(expect, await app.api.get('/user/me/', user.token), 'after the delete');
    });
  });
}
