import type { ApiResponse } from '../client.js';
import { type ApiSuiteTarget, useApp } from '../fixtures.js';
import type { Expect, TestApi } from '../test-api.js';

/** A 405 with a JSON detail and exactly the methods the path takes in `Allow`. */
function expect405(expect: Expect, res: ApiResponse, what: string, allow: string[]) {
  expect(res.status, `${what}: ${res.text}`).toBe(405);
  expect(res.body, what).toEqual({ detail: 'Method Not Allowed' });
  const sent = (res.headers.get('allow') ?? '').split(',').map((method) => method.trim());
  expect(sent.sort(), what).toEqual([...allow].sort());
}

/** A known path with a method it does not take is 405 with `Allow`, as on FastAPI; never 404. */
export function registerMethods(target: ApiSuiteTarget, t: TestApi) {
  const { describe, expect, it } = t;
  describe(`${target.name}: wrong methods`, () => {
    const app = useApp(target, t);

    it('answers 405 with Allow for a known path and a wrong method', async () => {
      const cases: [string, string, string[]][] = [
        ['GET', '/api/v1/login', ['POST']],
        ['PUT', '/api/v1/users', ['GET', 'HEAD']],
        ['POST', '/api/v1/tiers/', ['GET', 'HEAD']],
        ['DELETE', '/api/v1/tasks/task', ['POST']],
        ['PUT', '/api/v1/tier/free', ['DELETE', 'GET', 'HEAD', 'PATCH']],
        ['POST', '/api/v1/tier/free/rate_limit/1', ['DELETE', 'GET', 'HEAD', 'PATCH']],
        ['PUT', '/api/v1/user/me/', ['DELETE', 'GET', 'HEAD', 'PATCH']],
        ['OPTIONS', '/api/v1/users', ['GET', 'HEAD']],
        ['DELETE', '/openapi.json', ['GET', 'HEAD']],
        ['POST', '/docs', ['GET', 'HEAD']],
        ['PUT', '/redoc', ['GET', 'HEAD']],
      ];
      for (const [method, path, allow] of cases) {
        const res = await app.api.send(method, path, { token: app.adminToken });
        expect405(expect, res, `${method} ${path}`, allow);
      }
    });

    it('still answers 404 for unknown paths and 200 for HEAD of a GET route', async () => {
      for (const [method, path] of [
        ['PUT', '/api/v1/no/such/route'],
        ['GET', '/api/v1/nothing'],
        ['GET', '/docs/no-such-asset.js'],
        ['DELETE', '/'],
      ] as const) {
        const res = await app.api.send(method, path, {});
        expect(res.status, `${method} ${path}: ${res.text}`).toBe(404);
        expect(res.body).toEqual({ detail: 'Not Found' });
      }
      const head = await app.api.send('HEAD', '/api/v1/tiers', {});
      expect(head.status).toBe(200);
    });
  });
}
