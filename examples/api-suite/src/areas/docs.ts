import { type ApiSuiteTarget, useApp } from '../fixtures.js';
import type { TestApi } from '../test-api.js';

/** Every route of the example API, with path parameters blanked so names like {name}/{tier_name} match. */
const ROUTES: [string, string][] = [
  ['post', '/api/v1/login'],
  ['post', '/api/v1/refresh'],
  ['post', '/api/v1/logout'],
  ['post', '/api/v1/logout/all'],
  ['patch', '/api/v1/user/{}/password'],
  ['post', '/api/v1/user'],
  ['get', '/api/v1/users'],
  ['get', '/api/v1/user/me/'],
  ['get', '/api/v1/user/{}'],
  ['patch', '/api/v1/user/{}'],
  ['delete', '/api/v1/user/{}'],
  ['delete', '/api/v1/db_user/{}'],
  ['post', '/api/v1/tier'],
  ['get', '/api/v1/tiers'],
  ['get', '/api/v1/tier/{}'],
  ['patch', '/api/v1/tier/{}'],
  ['delete', '/api/v1/tier/{}'],
  ['post', '/api/v1/tier/{}/rate_limit'],
  ['get', '/api/v1/tier/{}/rate_limits'],
  ['get', '/api/v1/tier/{}/rate_limit/{}'],
  ['patch', '/api/v1/tier/{}/rate_limit/{}'],
  ['delete', '/api/v1/tier/{}/rate_limit/{}'],
  ['patch', '/api/v1/user/{}/tier'],
  ['get', '/api/v1/user/{}/tier'],
  ['get', '/api/v1/user/{}/rate_limits'],
  ['post', '/api/v1/{}/post'],
  ['get', '/api/v1/{}/posts'],
  ['get', '/api/v1/{}/post/{}'],
  ['patch', '/api/v1/{}/post/{}'],
  ['delete', '/api/v1/{}/post/{}'],
  ['delete', '/api/v1/{}/db_post/{}'],
  ['post', '/api/v1/tasks/task'],
  ['get', '/api/v1/tasks/task/{}'],
];

const blank = (path: string) => path.replace(/\{[^}]+\}/g, '{}');

// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document
type Doc = any;

/** Follows a local `$ref` (`#/components/schemas/X`) until it reaches a schema. */
function resolve(doc: Doc, schema: Doc): Doc {
  let current = schema;
  for (let i = 0; i < 10 && current?.$ref; i++) {
    const parts = String(current.$ref).replace(/^#\//, '').split('/');
    current = parts.reduce((node: Doc, key: string) => node?.[key], doc);
  }
  return current;
}

/** Every absolute URL that a `src` or `href` attribute of the page points to. */
function assetUrls(html: string): string[] {
  return [...html.matchAll(/(?:src|href)\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1] ?? '');
}

/** `/openapi.json` from the zod schemas and `/docs` with a self-hosted Swagger UI. */
export function registerDocs(target: ApiSuiteTarget, t: TestApi) {
  const { describe, expect, it } = t;
  describe(`${target.name}: OpenAPI and Swagger UI`, () => {
    const app = useApp(target, t);

    it('serves an OpenAPI 3 document describing every route', async () => {
      const res = await app.api.root('/openapi.json');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      const doc = res.body;
      expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
      expect(typeof doc.info?.title).toBe('string');
      expect(typeof doc.info?.version).toBe('string');
      const paths = new Map<string, Doc>(
        Object.entries(doc.paths ?? {}).map(([path, item]) => [blank(path), item]),
      );
      for (const [method, path] of ROUTES) {
        expect(paths.get(path)?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
      }
    });

    it('describes bodies, parameters and bearer security from the zod schemas', async () => {
      const doc = (await app.api.root('/openapi.json')).body;
      const schemes = Object.values(doc.components?.securitySchemes ?? {}) as Doc[];
      expect(
        schemes.some((s) => (s.type === 'http' && s.scheme === 'bearer') || s.type === 'oauth2'),
        JSON.stringify(schemes),
      ).toBe(true);
      const paths = new Map<string, Doc>(
        Object.entries(doc.paths).map(([path, item]) => [blank(path), item]),
      );
      const signUp = paths.get('/api/v1/user').post;
      const body = resolve(doc, signUp.requestBody?.content?.['application/json']?.schema);
      expect(Object.keys(body?.properties ?? {})).toEqual(
        expect.arrayContaining(['name', 'username', 'email', 'password']),
      );
      const rule = paths.get('/api/v1/tier/{}/rate_limit').post;
      const ruleBody = resolve(doc, rule.requestBody?.content?.['application/json']?.schema);
      expect(Object.keys(ruleBody?.properties ?? {})).toEqual(
        expect.arrayContaining(['path', 'limit', 'period', 'name']),
      );
      expect(ruleBody.additionalProperties).toBe(false);
      const list = paths.get('/api/v1/users').get;
      const params = (list.parameters ?? []).map((p: Doc) => resolve(doc, p).name);
      expect(params).toEqual(expect.arrayContaining(['page', 'items_per_page']));
      const login = paths.get('/api/v1/login').post;
      expect(Object.keys(login.requestBody?.content ?? {})).toContain(
        'application/x-www-form-urlencoded',
      );
      expect(paths.get('/api/v1/tier').post.security, 'POST /tier needs a token').toBeDefined();
    });

    it('serves Swagger UI at /docs from its own origin, no CDN', async () => {
      const res = await app.api.root('/docs');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(res.text).toMatch(/swagger-ui/i);
      const urls = assetUrls(res.text);
      expect(urls.length).toBeGreaterThan(0);
      let sources = res.text;
      for (const url of urls) {
        expect(url, 'asset on another origin').not.toMatch(/^(https?:)?\/\//);
        const asset = await fetch(new URL(url, res.url));
        expect(asset.status, url).toBe(200);
        sources += await asset.text();
      }
      expect(sources).toMatch(/swagger-ui-bundle|SwaggerUIBundle/);
      expect(sources).toContain('openapi.json');
    });

    it('answers 404 with a JSON detail for an unknown route', async () => {
      const res = await app.api.get('/no/such/route');
      expect(res.status).toBe(404);
      expect(typeof res.body?.detail).toBe('string');
    });
  });
}
