import { createHmac } from 'node:crypto';
import { type ApiResponse, decodeJwtPayload } from '../client.js';
import {
  ADMIN,
  type ApiSuiteTarget,
  createRule,
  createTier,
  createUser,
  SECRET_KEY,
  type TestUser,
  uniqueName,
  useApp,
} from '../fixtures.js';
import type { Expect, TestApi } from '../test-api.js';

const FORBIDDEN = "The user doesn't have enough privileges";

/** The apps' messages (docs/examples.md): the issue fixes only the status and the header. */
const NOT_AUTHENTICATED = 'User not authenticated.';
const WRONG_LOGIN = 'Wrong username, email or password.';

function expect401(expect: Expect, res: ApiResponse, what: string, detail = NOT_AUTHENTICATED) {
  expect(res.status, `${what}: ${res.text}`).toBe(401);
  expect(res.headers.get('www-authenticate'), what).toMatch(/^Bearer/);
  expect(res.body, what).toEqual({ detail });
}

function expect403(expect: Expect, res: ApiResponse, what: string) {
  expect(res.status, `${what}: ${res.text}`).toBe(403);
  expect(res.body, what).toEqual({ detail: FORBIDDEN });
}

/** An HS256 JWT signed with the suite's SECRET_KEY, as the apps sign theirs (jose, HS256). */
function sign(claims: Record<string, unknown>): string {
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = createHmac('sha256', SECRET_KEY)
    .update(`${header}.${payload}`)
    .digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** Replaces a JWT's payload while keeping its signature, so the signature no longer matches. */
function tamper(token: string, sub: string): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
  const forged = Buffer.from(JSON.stringify({ ...claims, sub })).toString('base64url');
  return `${header}.${forged}.${signature}`;
}

/** Login, tokens, and the 401/403 rules of every route. */
export function registerAuth(target: ApiSuiteTarget, t: TestApi) {
  const { beforeAll, describe, expect, it } = t;
  describe(`${target.name}: login and the auth rules of every route`, () => {
    const app = useApp(target, t);
    let owner: TestUser;
    let other: TestUser;
    let tier: string;
    let ruleId: number;
    let postId: number;

    /** Requests whose auth rules are checked, against existing resources and valid bodies. */
    const superuserRoutes = () => [
      ['POST', '/tier', { name: uniqueName('t') }],
      ['PATCH', `/tier/${tier}`, { name: uniqueName('t') }],
      ['DELETE', `/tier/${tier}`],
      ['POST', `/tier/${tier}/rate_limit`, { path: 'api/v1/other', limit: 1, period: 60 }],
      ['PATCH', `/tier/${tier}/rate_limit/${ruleId}`, { limit: 2 }],
      ['DELETE', `/tier/${tier}/rate_limit/${ruleId}`],
      ['PATCH', `/user/${owner.username}/tier`, { tier_id: 1 }],
      ['GET', `/user/${owner.username}/rate_limits`],
      ['DELETE', `/db_user/${owner.username}`],
      ['DELETE', `/${owner.username}/db_post/${postId}`],
    ];
    const ownerRoutes = () => [
      ['PATCH', `/user/${owner.username}`, { name: 'Renamed' }],
      ['DELETE', `/user/${owner.username}`],
      ['POST', `/${owner.username}/post`, { title: 'Hello', text: 'World' }],
      ['PATCH', `/${owner.username}/post/${postId}`, { title: 'Changed' }],
      ['DELETE', `/${owner.username}/post/${postId}`],
    ];

    beforeAll(async () => {
      owner = await createUser(app);
      other = await createUser(app);
      tier = uniqueName('authtier');
      await createTier(app, tier);
      ruleId = (await createRule(app, tier, { path: 'api/v1/x', limit: 1, period: 60 })).id;
      const post = await app.api.post(
        `/${owner.username}/post`,
        { title: 'First', text: 'Body' },
        owner.token,
      );
      expect(post.status, post.text).toBe(201);
      postId = post.body.id;
    });

    it('answers {access_token, token_type: "bearer"} for a username or an email', async () => {
      for (const login of [ADMIN.username, ADMIN.email]) {
        const res = await app.api.loginResponse(login, ADMIN.password);
        expect(res.status, res.text).toBe(200);
        expect(res.body.token_type).toBe('bearer');
        expect(res.body.access_token.split('.')).toHaveLength(3);
      }
    });

    it('refuses a wrong password and an unknown user with 401 and WWW-Authenticate', async () => {
      const wrong = await app.api.loginResponse(ADMIN.username, 'wrong-password');
      expect401(expect, wrong, 'wrong password', WRONG_LOGIN);
      expect401(
        expect,
        await app.api.loginResponse('nobody', 'whatever1'),
        'unknown user',
        WRONG_LOGIN,
      );
      expect401(
        expect,
        await app.api.loginResponse(ADMIN.email, 'wrong-password'),
        'email',
        WRONG_LOGIN,
      );
    });

    it('answers 422 for a login without its form fields', async () => {
      const res = await app.api.request('POST', '/login', { form: { username: ADMIN.username } });
      expect(res.status, res.text).toBe(422);
    });

    it('answers GET /user/me/ with the caller, and never a password', async () => {
      const res = await app.api.get('/user/me/', owner.token);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        username: owner.username,
        name: owner.name,
        email: owner.email,
      });
      expect(res.text).not.toMatch(/password/i);
      // docs/examples.md: /user/me answers with or without the trailing slash.
      expect((await app.api.get('/user/me', owner.token)).body.username).toBe(owner.username);
    });

    it('refuses missing, malformed and forged tokens with 401 on /user/me/', async () => {
      expect401(expect, await app.api.get('/user/me/'), 'no token');
      expect401(expect, await app.api.get('/user/me/', 'garbage'), 'garbage token');
      expect401(
        expect,
        await app.api.get('/user/me/', undefined, { authorization: `Basic ${owner.token}` }),
        'wrong scheme',
      );
      expect401(
        expect,
        await app.api.get('/user/me/', tamper(owner.token, ADMIN.username)),
        'forged',
      );
    });

    it('refuses an expired token and a token for a user that does not exist', async () => {
      const now = Math.floor(Date.now() / 1000);
      const claims = decodeJwtPayload(owner.token);
      // The control: a token made this way is accepted, so the refusals below are about `exp`/`sub`.
      const valid = sign({ ...claims, iat: now, exp: now + 600 });
      expect((await app.api.get('/user/me/', valid)).status).toBe(200);
      const expired = sign({ ...claims, iat: now - 7200, exp: now - 3600 });
      expect401(expect, await app.api.get('/user/me/', expired), 'expired');
      const ghost = sign({ ...claims, sub: '2147483000', iat: now, exp: now + 600 });
      expect401(expect, await app.api.get('/user/me/', ghost), 'ghost');
      const { sub: _sub, ...noSub } = claims;
      expect401(
        expect,
        await app.api.get('/user/me/', sign({ ...noSub, iat: now, exp: now + 600 })),
        'no sub',
      );
      // The original's tokens named the username: such a token names no account here.
      const byName = sign({ ...claims, sub: owner.username, iat: now, exp: now + 600 });
      expect401(expect, await app.api.get('/user/me/', byName), 'username sub');
      const outOfRange = sign({ ...claims, sub: '99999999999', iat: now, exp: now + 600 });
      expect401(expect, await app.api.get('/user/me/', outOfRange), 'id out of range');
      const otherVersion = sign({
        ...claims,
        ver: Number(claims.ver) + 1,
        iat: now,
        exp: now + 600,
      });
      expect401(expect, await app.api.get('/user/me/', otherVersion), 'other token version');
    });

    it('answers 401 with WWW-Authenticate: Bearer on every protected route without a token', async () => {
      for (const [method, path, json] of [...superuserRoutes(), ...ownerRoutes()]) {
        const res = await app.api.request(method as string, path as string, { json });
        expect401(expect, res, `${method} ${path}`);
      }
    });

    it('answers 401 on every protected route for an invalid token', async () => {
      for (const [method, path, json] of [...superuserRoutes(), ...ownerRoutes()]) {
        const res = await app.api.request(method as string, path as string, {
          json,
          token: tamper(other.token, ADMIN.username),
        });
        expect401(expect, res, `${method} ${path}`);
      }
    });

    it(`answers 403 "${FORBIDDEN}" on superuser routes for a plain user`, async () => {
      for (const [method, path, json] of superuserRoutes()) {
        const res = await app.api.request(method as string, path as string, {
          json,
          token: owner.token,
        });
        expect403(expect, res, `${method} ${path}`);
      }
    });

    it(`answers 403 "${FORBIDDEN}" when a user writes another user's resources`, async () => {
      for (const [method, path, json] of ownerRoutes()) {
        const res = await app.api.request(method as string, path as string, {
          json,
          token: other.token,
        });
        expect403(expect, res, `${method} ${path}`);
      }
      // Nothing changed: the post and the user are still there as they were.
      const post = await app.api.get(`/${owner.username}/post/${postId}`);
      expect(post.body.title).toBe('First');
      expect((await app.api.get(`/user/${owner.username}`)).body.name).toBe(owner.name);
    });

    it('serves the public reads without a token', async () => {
      const publicPaths = [
        '/users',
        `/user/${owner.username}`,
        '/tiers',
        `/tier/${tier}`,
        `/tier/${tier}/rate_limits`,
        `/tier/${tier}/rate_limit/${ruleId}`,
        `/${owner.username}/posts`,
        `/${owner.username}/post/${postId}`,
      ];
      for (const path of publicPaths) {
        const res = await app.api.get(path);
        expect(res.status, `GET ${path}: ${res.text}`).toBe(200);
      }
    });

    it('lets the superuser and the owner through on the same routes', async () => {
      const rateLimits = await app.api.get(`/user/${owner.username}/rate_limits`, app.adminToken);
      expect(rateLimits.status, rateLimits.text).toBe(200);
      const patch = await app.api.patch(`/user/${owner.username}`, { name: 'Owner' }, owner.token);
      expect(patch.status, patch.text).toBe(200);
      expect((await app.api.get(`/user/${owner.username}`)).body.name).toBe('Owner');
    });
  });
}
