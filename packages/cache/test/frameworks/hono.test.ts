import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { streamText } from 'hono/streaming';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { describe, expect, it, vi } from 'vitest';
import { listening } from '../../../../testing/listen.js';
import { cache } from '../../src/frameworks/hono.js';
import { createCache } from '../../src/index.js';
import { memoryStore } from '../../src/stores/memory.js';
import { type BuildClient, fetchClient, runAdapterSuite } from './adapter-suite.js';
import { runParamsSuite } from './params-suite.js';
import { ROUTES } from './routes.js';

/** The test routes on a Hono app. */
function honoApp(appCache: Parameters<BuildClient>[0], backend: Parameters<BuildClient>[1]) {
  const app = new Hono();
  for (const route of ROUTES) {
    const handler = async (c: Context) => {
      const { status, body, contentType } = await backend.handle(
        route.name,
        c.req.query(),
        c.req.param(),
      );
      if (status === 204) return c.body(null, 204);
      const code = status as ContentfulStatusCode;
      if (contentType) return c.body(body as string, code, { 'content-type': contentType });
      return c.json(body, code);
    };
    if (route.options) app.on(route.method, route.path, cache(appCache, route.options), handler);
    else app.on(route.method, route.path, handler);
  }
  return app;
}

// app.request(): Hono without a server, as on any runtime.
const buildClient: BuildClient = async (appCache, backend) => {
  const app = honoApp(appCache, backend);
  return {
    async request(method, path, headers) {
      const response = await app.request(path, { method, headers });
      return { status: response.status, headers: response.headers, body: await response.text() };
    },
    async close() {},
  };
};

// @hono/node-server on port 0 and fetch: there a hit's headers join the Node response's
// writeHead(), so the same suites run over that path too.
const buildNodeClient: BuildClient = async (appCache, backend) => {
  const server = serve({ fetch: honoApp(appCache, backend).fetch, port: 0, hostname: '127.0.0.1' });
  return fetchClient(await listening(server as Server));
};

runAdapterSuite('hono', buildClient);
runParamsSuite('hono', buildClient);
runAdapterSuite('hono on @hono/node-server', buildNodeClient);
runParamsSuite('hono on @hono/node-server', buildNodeClient);

describe('hono adapter: streamed text', () => {
  // A stream may never end: buffering it to cache it would hold back the response for good.
  it('passes a streamText() response through at once, uncached', async () => {
    const appCache = createCache({
      store: memoryStore(),
      logger: { warn: vi.fn(), error: vi.fn() },
    });
    const app = new Hono();
    app.get('/feed/:id', cache(appCache, { keyPrefix: 'feed' }), (c) =>
      streamText(c, async (stream) => {
        await stream.write('first');
        await new Promise<void>((resolve) => stream.onAbort(resolve));
      }),
    );
    const response = await Promise.race([
      app.request('/feed/1'),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1_000)),
    ]);
    expect(response?.status).toBe(200);
    const reader = response!.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('first');
    await reader.cancel();
  });
});
