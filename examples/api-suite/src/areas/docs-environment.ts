import { type ApiSuiteTarget, createUser, useApp } from '../fixtures.js';
import type { TestApi } from '../test-api.js';

const PAGES = ['/docs', '/redoc', '/openapi.json', '/docs/swagger-ui.css'];

/**
 * `ENVIRONMENT` as the original has it: the documentation public in `local`, for superusers in
 * `staging`, gone in `production`; `/redoc` beside `/docs`; `APP_*` settings in the OpenAPI info.
 */
export function registerDocsEnvironment(target: ApiSuiteTarget, t: TestApi) {
  const { describe, expect, it } = t;

  describe(`${target.name}: documentation in ENVIRONMENT=local (the default)`, () => {
    const app = useApp(target, t, {
      APP_NAME: 'Suite API',
      APP_DESCRIPTION: 'The suite <described>',
      APP_VERSION: '9.8.7',
      CONTACT_NAME: 'Suite Team',
      CONTACT_EMAIL: 'team@example.com',
      LICENSE: 'MIT',
    });

    it('serves every documentation page to anyone', async () => {
      for (const path of PAGES) {
        const res = await app.api.root(path);
        expect(res.status, `${path}: ${res.text.slice(0, 200)}`).toBe(200);
      }
    });

    it('serves a ReDoc page for /openapi.json', async () => {
      const res = await app.api.root('/redoc');
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(res.text).toMatch(/<redoc\s+spec-url="\/openapi.json"/);
      expect(res.text).toMatch(/<script src="[^"]*redoc[^"]*\.js"/);
      expect(res.text).toContain('<title>Suite API - ReDoc</title>');
    });

    it('fills the OpenAPI info from APP_NAME, APP_DESCRIPTION, APP_VERSION, CONTACT_*, LICENSE', async () => {
      const { info } = (await app.api.root('/openapi.json')).body;
      expect(info).toEqual({
        title: 'Suite API',
        description: 'The suite <described>',
        version: '9.8.7',
        contact: { name: 'Suite Team', email: 'team@example.com' },
        license: { name: 'MIT' },
      });
    });
  });

  describe(`${target.name}: documentation in ENVIRONMENT=staging`, () => {
    const app = useApp(target, t, { ENVIRONMENT: 'staging' });

    it('answers 401 without a token and 403 for a user who is not a superuser', async () => {
      const user = await createUser(app);
      for (const path of PAGES) {
        const anonymous = await app.api.root(path);
        expect(anonymous.status, path).toBe(401);
        expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
        expect(typeof anonymous.body?.detail, path).toBe('string');
        const plain = await app.api.root(path, { token: user.token });
        expect(plain.status, path).toBe(403);
        expect(typeof plain.body?.detail, path).toBe('string');
      }
    });

    it('serves every page to a superuser, and no shared cache may keep them', async () => {
      for (const path of PAGES) {
        const res = await app.api.root(path, { token: app.adminToken });
        expect(res.status, path).toBe(200);
      }
      const asset = await app.api.root('/docs/swagger-ui.css', { token: app.adminToken });
      expect(asset.headers.get('cache-control')).not.toMatch(/public/);
      const doc = (await app.api.root('/openapi.json', { token: app.adminToken })).body;
      expect(doc.info).toMatchObject({ title: 'Kit example API', version: '0.1.0' });
      expect(doc.info.contact).toBeUndefined();
      expect(doc.info.license).toBeUndefined();
    });
  });

  describe(`${target.name}: documentation in ENVIRONMENT=production`, () => {
    const app = useApp(target, t, { ENVIRONMENT: 'production' });

    it('hides every documentation page: 404, even for a superuser, and no 405 either', async () => {
      for (const path of PAGES) {
        for (const token of [undefined, app.adminToken]) {
          const res = await app.api.root(path, { token });
          expect(res.status, `${path} ${token ? 'as superuser' : 'anonymous'}`).toBe(404);
          expect(res.body).toEqual({ detail: 'Not Found' });
        }
        const wrongMethod = await app.api.send('DELETE', path, {});
        expect(wrongMethod.status, `DELETE ${path}`).toBe(404);
      }
      expect((await app.api.get('/tiers')).status, 'the API itself still answers').toBe(200);
    });
  });
}
