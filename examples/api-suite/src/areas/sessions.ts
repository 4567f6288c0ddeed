import { createHash } from 'node:crypto';
import type { ApiClient, ApiResponse } from '../client.js';
import { decodeJwtPayload } from '../client.js';
import { setCookie } from '../cookies.js';
import { type ApiSuiteTarget, createUser, type TestUser, useApp } from '../fixtures.js';
import type { Expect, TestApi } from '../test-api.js';

const SEVEN_DAYS = 7 * 24 * 60 * 60;

/** How the blacklist names a token: its SHA-256, never the token itself. */
const digest = (token: string) => createHash('sha256').update(token).digest('hex');

/** Logs in and returns both tokens: the access token of the body, the refresh token's cookie. */
async function session(api: ApiClient, user: TestUser) {
  const res = await api.loginResponse(user.username, user.password);
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
  const cookie = setCookie(res, 'refresh_token');
  if (!cookie) throw new Error(`login set no refresh_token cookie: ${res.headers}`);
  return { access: res.body.access_token as string, refresh: cookie.value };
}

const refresh = (api: ApiClient, refreshToken?: string) =>
  api.request('POST', '/refresh', {
    headers: refreshToken === undefined ? {} : { cookie: `refresh_token=${refreshToken}` },
  });

const logout = (api: ApiClient, access: string | undefined, refreshToken?: string) =>
  api.request('POST', '/logout', {
    token: access,
    headers: refreshToken === undefined ? {} : { cookie: `refresh_token=${refreshToken}` },
  });

function expect401(expect: Expect, res: ApiResponse, what: string, detail: string) {
  expect(res.status, `${what}: ${res.text}`).toBe(401);
  expect(res.body, what).toEqual({ detail });
}

/** Issue 11: refresh tokens in an httpOnly cookie, logout with a blacklist, `no-store`. */
export function registerSessions(target: ApiSuiteTarget, t: TestApi) {
  const { beforeAll, describe, expect, it } = t;

  describe(`${target.name}: refresh token cookie, refresh and logout`, () => {
    const app = useApp(target, t);
    let user: TestUser;
    beforeAll(async () => {
      user = await createUser(app);
    });

    it('sets refresh_token on login: HttpOnly, SameSite=Lax, not Secure locally, 7 days', async () => {
      const res = await app.api.loginResponse(user.username, user.password);
      expect(res.status, res.text).toBe(200);
      const cookie = setCookie(res, 'refresh_token');
      expect(cookie, 'Set-Cookie: refresh_token').toBeDefined();
      expect(cookie?.attributes).toHaveProperty('httponly');
      expect(cookie?.attributes.samesite?.toLowerCase()).toBe('lax');
      expect(cookie?.attributes).not.toHaveProperty('secure');
      expect(cookie?.attributes.path).toBe('/api/v1');
      expect(Number(cookie?.attributes['max-age'])).toBe(SEVEN_DAYS);
      const claims = decodeJwtPayload(cookie?.value ?? '');
      expect(claims).toMatchObject({ sub: String(user.id), token_type: 'refresh' });
      expect(Number(claims.exp) - Number(claims.iat)).toBe(SEVEN_DAYS);
    });

    it('answers login, refresh and /user/me/ with Cache-Control: no-store, refusals too', async () => {
      const { access, refresh: refreshToken } = await session(app.api, user);
      const answers: [string, ApiResponse][] = [
        ['login', await app.api.loginResponse(user.username, user.password)],
        ['failed login', await app.api.loginResponse(user.username, 'wrong-password')],
        ['refresh', await refresh(app.api, refreshToken)],
        ['refused refresh', await refresh(app.api)],
        ['/user/me/', await app.api.get('/user/me/', access)],
        ['/user/me (no slash)', await app.api.get('/user/me', access)],
        ['refused /user/me/', await app.api.get('/user/me/')],
      ];
      for (const [what, res] of answers) {
        expect(res.headers.get('cache-control'), what).toBe('no-store');
      }
      // The control: other routes are not marked, so the header above is the routes' own.
      expect((await app.api.get('/users')).headers.get('cache-control')).not.toBe('no-store');
    });

    it('exchanges the refresh cookie for a new access token of the same account', async () => {
      const { refresh: refreshToken } = await session(app.api, user);
      const res = await refresh(app.api, refreshToken);
      expect(res.status, res.text).toBe(200);
      expect(res.body.token_type).toBe('bearer');
      const me = await app.api.get('/user/me/', res.body.access_token);
      expect(me.status, me.text).toBe(200);
      expect(me.body.id).toBe(user.id);
    });

    it('refuses a missing, garbage or access-token refresh with 401', async () => {
      const { access } = await session(app.api, user);
      expect401(expect, await refresh(app.api), 'no cookie', 'Refresh token missing.');
      expect401(expect, await refresh(app.api, 'garbage'), 'garbage', 'Invalid refresh token.');
      expect401(
        expect,
        await refresh(app.api, access),
        'an access token',
        'Invalid refresh token.',
      );
    });

    it('refuses a refresh token as a bearer token', async () => {
      const { refresh: refreshToken } = await session(app.api, user);
      const res = await app.api.get('/user/me/', refreshToken);
      expect401(expect, res, 'refresh token as bearer', 'User not authenticated.');
    });

    it('logs out with 200: the access and refresh tokens get 401, the cookie is cleared', async () => {
      const first = await session(app.api, user);
      const other = await session(app.api, user);
      const res = await logout(app.api, first.access, first.refresh);
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({ message: 'Logged out successfully' });
      const cleared = setCookie(res, 'refresh_token');
      expect(cleared?.value).toBe('');
      expect(cleared?.attributes['max-age']).toBe('0');
      expect401(
        expect,
        await app.api.get('/user/me/', first.access),
        'logged-out access token',
        'User not authenticated.',
      );
      expect401(
        expect,
        await refresh(app.api, first.refresh),
        'logged-out refresh token',
        'Invalid refresh token.',
      );
      expect401(
        expect,
        await logout(app.api, first.access),
        'a second logout',
        'User not authenticated.',
      );
      // Another session of the same account is not logged out.
      expect((await app.api.get('/user/me/', other.access)).status).toBe(200);
      expect((await refresh(app.api, other.refresh)).status).toBe(200);
    });

    it('logs out an access token sent without the cookie; the refresh token lives on', async () => {
      const { access, refresh: refreshToken } = await session(app.api, user);
      expect((await logout(app.api, access)).status).toBe(200);
      expect((await app.api.get('/user/me/', access)).status).toBe(401);
      expect((await refresh(app.api, refreshToken)).status).toBe(200);
    });

    it('keeps logged-out tokens until they expire: in Redis with REDIS_URL, else in the database', async () => {
      const { access, refresh: refreshToken } = await session(app.api, user);
      expect((await logout(app.api, access, refreshToken)).status).toBe(200);
      const rows = await app.sql(
        'SELECT token, expires_at FROM token_blacklist WHERE token = ANY($1)',
        [[digest(access), digest(refreshToken)]],
      );
      if (process.env.REDIS_URL) {
        expect(rows, 'Redis holds the list, not the table').toEqual([]);
      } else {
        const expiry = new Map(rows.map((row) => [row.token, new Date(String(row.expires_at))]));
        for (const token of [access, refreshToken]) {
          const exp = Number(decodeJwtPayload(token).exp) * 1000;
          expect(expiry.get(digest(token))?.getTime(), 'kept until the token expires').toBe(exp);
        }
      }
      expect((await app.api.get('/user/me/', access)).status).toBe(401);
    });

    it('refuses a logout without a good access token (401)', async () => {
      expect401(expect, await logout(app.api, undefined), 'no token', 'User not authenticated.');
      expect401(expect, await logout(app.api, 'garbage'), 'garbage', 'User not authenticated.');
    });

    it('logs out everywhere: every access and refresh token of the account gets 401', async () => {
      const account = await createUser(app);
      const sessions = [await session(app.api, account), await session(app.api, account)];
      const res = await app.api.request('POST', '/logout/all', { token: sessions[0]?.access });
      expect(res.status, res.text).toBe(200);
      for (const [index, { access, refresh: refreshToken }] of sessions.entries()) {
        expect((await app.api.get('/user/me/', access)).status, `access ${index}`).toBe(401);
        expect((await refresh(app.api, refreshToken)).status, `refresh ${index}`).toBe(401);
      }
      // Logging in again starts a new generation of tokens.
      expect((await session(app.api, account)).access).toBeTruthy();
      const fresh = await session(app.api, account);
      expect((await app.api.get('/user/me/', fresh.access)).status).toBe(200);
    });

    it('refuses the refresh token of a deleted user', async () => {
      const doomed = await createUser(app);
      const { refresh: refreshToken } = await session(app.api, doomed);
      expect((await app.api.delete(`/db_user/${doomed.username}`, app.adminToken)).status).toBe(
        200,
      );
      expect((await refresh(app.api, refreshToken)).status).toBe(401);
    });
  });

  describe(`${target.name}: OpenAPI describes the auth endpoints`, () => {
    const app = useApp(target, t);

    it('documents the refresh cookie, Set-Cookie, no-store and the login 429', async () => {
      const doc = (await app.api.root('/openapi.json')).body;
      const login = doc.paths['/api/v1/login'].post;
      expect(Object.keys(login.responses[200].headers ?? {})).toEqual(
        expect.arrayContaining(['Set-Cookie', 'Cache-Control']),
      );
      expect(Object.keys(login.responses)).toEqual(expect.arrayContaining(['401', '429']));
      for (const path of ['/api/v1/refresh', '/api/v1/logout']) {
        const parameters = doc.paths[path].post.parameters ?? [];
        expect(parameters, path).toContainEqual(
          expect.objectContaining({ in: 'cookie', name: 'refresh_token' }),
        );
      }
      expect(doc.paths['/api/v1/logout'].post.security, 'logout needs a token').toBeDefined();
      expect(doc.paths['/api/v1/logout/all'].post.security).toBeDefined();
      expect(doc.paths['/api/v1/refresh'].post.responses).toHaveProperty('401');
      const me = doc.paths['/api/v1/user/me/'].get;
      expect(me.responses[200].headers).toHaveProperty('Cache-Control');
      const change = doc.paths['/api/v1/user/{username}/password'].patch;
      const schema = change.requestBody.content['application/json'].schema;
      const body = schema.$ref
        ? doc.components.schemas[String(schema.$ref).split('/').pop() as string]
        : schema;
      expect(Object.keys(body.properties)).toEqual(['current_password', 'new_password']);
    });
  });

  describe(`${target.name}: the refresh cookie outside ENVIRONMENT=local`, () => {
    const app = useApp(target, t, { ENVIRONMENT: 'staging' });

    it('marks refresh_token Secure', async () => {
      const user = await createUser(app);
      const res = await app.api.loginResponse(user.username, user.password);
      const cookie = setCookie(res, 'refresh_token');
      expect(cookie?.attributes).toHaveProperty('secure');
      expect(cookie?.attributes).toHaveProperty('httponly');
      expect(cookie?.attributes.samesite?.toLowerCase()).toBe('lax');
      expect(
        setCookie(await logout(app.api, res.body.access_token), 'refresh_token')?.attributes,
      ).toHaveProperty('secure');
    });
  });
}
