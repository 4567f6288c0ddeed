import { type Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { cache } from '../../src/frameworks/hono.js';
import { type BuildClient, runAdapterSuite } from './adapter-suite.js';
import { runParamsSuite } from './params-suite.js';
import { ROUTES } from './routes.js';

const buildClient: BuildClient = async (appCache, backend) => {
  const app = new Hono();
  for (const route of ROUTES) {
    const handler = async (c: Context) => {
      const { status, body } = await backend.handle(route.name, {
        ...c.req.query(),
        ...c.req.param(),
      });
      if (status === 204) return c.body(null, 204);
      return c.json(body, status as ContentfulStatusCode);
    };
    if (route.options) app.on(route.method, route.path, cache(appCache, route.options), handler);
    else app.on(route.method, route.path, handler);
  }
  return {
    async request(method, path, headers) {
      const response = await app.request(path, { method, headers });
      return { status: response.status, headers: response.headers, body: await response.text() };
    },
    async close() {},
  };
};

runAdapterSuite('hono', buildClient);
runParamsSuite('hono', buildClient);
