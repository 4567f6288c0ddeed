import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { type Context, type Handler, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { describe, expect, it } from 'vitest';
import { listening } from '../../../../testing/listen.js';
import { rateLimit } from '../../src/frameworks/hono.js';
import { createRateLimiter, type RateLimiter } from '../../src/index.js';
import { memoryStore } from '../../src/stores/memory.js';
import { registerAdapterScenarios } from './adapter-scenarios.js';
import { registerControlScenarios } from './control-scenarios.js';
import {
  type AdapterOptions,
  type AppShape,
  adapt,
  boom,
  type Harness,
  headersOf,
  listeningHarness,
  login,
  mapOnLimit,
  type Probe,
  probe,
  type Readers,
  readReply,
  seenBody,
} from './harness.js';
import { rateLimitParam } from './scenario-helpers.js';
import { registerTierScenarios } from './tier-scenarios.js';

// app.request() with a @hono/node-server-shaped env carrying the socket address.
const env = { incoming: { socket: { remoteAddress: '::ffff:192.0.2.10' } } };

const read: Readers<Context> = {
  authorization: (c) => c.req.header('authorization'),
  path: (c) => c.req.path,
  status: (c) => c.res.status,
};

/**
 * The app of both harnesses: the middleware under a sub-app mounted at /api/v1, in front of
 * every route or in each route's own chain.
 */
function honoApp(limiter: RateLimiter, options: AdapterOptions, shape: AppShape): [Hono, Probe] {
  const middleware = rateLimit({
    limiter,
    ...adapt(options, read),
    onLimit: mapOnLimit(options.onLimit, ({ status, body }, c: Context) =>
      c.json(body, status as ContentfulStatusCode),
    ),
  });
  const probed = probe();
  const api = new Hono();
  const route = (path: string, handler: Handler) =>
    shape.mount === 'route' ? api.get(path, middleware, handler) : api.get(path, handler);
  if (shape.mount !== 'route') api.use(middleware);
  route('/tasks/task', (c) => c.json({ ok: true }));
  route('/tasks', (c) => c.json({ ok: true }));
  route('/health', (c) => c.text('up'));
  route('/raw', () => new Response('raw'));
  route('/post/:id', (c) => c.json({ id: c.req.param('id') }));
  route('/login', async (c) => {
    const { status, body } = await login(probed, c.req.query());
    return c.json(body, status as ContentfulStatusCode);
  });
  route('/boom', () => boom(probed));
  route('/seen', (c) => c.json(seenBody(c.get('rateLimit'))));
  // Quiet: the thrown /boom is expected.
  api.onError((_error, c) => c.json({ detail: 'Internal error' }, 500));
  return [new Hono().route('/api/v1', api), probed];
}

// app.request(): no server, the runtime's env given by hand, so headers go through c.header().
const harness: Harness = {
  name: 'hono',
  // Hono's routers always match case: `/API/v1` is another route.
  foldsCase: false,
  // In app.use(), Hono's routePath is the middleware's own pattern (`/api/v1/*`).
  appWideRoute: 'mount',
  abortable: false,
  async make(limiter, options = {}, shape = {}) {
    const [app, probed] = honoApp(limiter, options, shape);
    return {
      send: async (path, init) =>
        readReply(await app.request(path, { headers: headersOf(init) }, env)),
      sendTarget: async (target) => (await app.request(target, {}, env)).status,
      probe: probed,
      async close() {},
    };
  },
};

registerTierScenarios(harness);
registerAdapterScenarios(harness);
registerControlScenarios(harness);

// @hono/node-server on port 0 and fetch: the headers go onto the Node response there.
const nodeHarness: Harness = {
  name: 'hono on @hono/node-server',
  foldsCase: false,
  appWideRoute: 'mount',
  abortable: true,
  async make(limiter, options = {}, shape = {}) {
    const [app, probed] = honoApp(limiter, options, shape);
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    return listeningHarness(await listening(server as Server), probed);
  },
};

registerTierScenarios(nodeHarness);
registerAdapterScenarios(nodeHarness);
registerControlScenarios(nodeHarness);

describe('hono adapter on @hono/node-server', () => {
  async function serveWith(routes: (app: Hono) => void) {
    const limiter = createRateLimiter({
      store: memoryStore(),
      defaultRule: { limit: 5, period: 60 },
    });
    const app = new Hono();
    app.use(rateLimit({ limiter }));
    routes(app);
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      get: (path: string) => fetch(`http://127.0.0.1:${port}${path}`),
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  it("leaves a header the handler's response sets itself as the handler set it", async () => {
    const { get, close } = await serveWith((app) =>
      app.get('/own', () => new Response('own', { headers: { 'RateLimit-Policy': 'mine' } })),
    );
    try {
      const response = await get('/own');
      // One field, the handler's, not two of different case.
      expect(response.headers.get('ratelimit-policy')).toBe('mine');
      expect(rateLimitParam(response.headers, 'r')).toBe('4');
    } finally {
      await close();
    }
  });

  it('adds the headers to a response the handler writes on the Node response itself', async () => {
    const { get, close } = await serveWith((app) =>
      app.get('/node', (c) => {
        const outgoing = (c.env as { outgoing: ServerResponse }).outgoing;
        outgoing.writeHead(200, 'Fine', { 'content-type': 'text/plain' });
        outgoing.end('node');
        return RESPONSE_ALREADY_SENT;
      }),
    );
    try {
      const response = await get('/node');
      expect(response.statusText).toBe('Fine');
      expect(await response.text()).toBe('node');
      expect(rateLimitParam(response.headers, 'r')).toBe('4');
    } finally {
      await close();
    }
  });
});

describe('hono adapter specifics', () => {
  it('keys anonymous callers by the socket address of the runtime, or getIp', async () => {
    const limiter = createRateLimiter({
      store: memoryStore(),
      defaultRule: { limit: 1, period: 60 },
    });
    const app = new Hono();
    app.use(rateLimit({ limiter }));
    app.get('/x', (c) => c.text('ok'));
    expect((await app.request('/x', {}, env)).status).toBe(200);
    expect((await app.request('/x', {}, env)).status).toBe(429);
    const other = { incoming: { socket: { remoteAddress: '192.0.2.11' } } };
    expect((await app.request('/x', {}, other)).status).toBe(200);
    const custom = new Hono();
    custom.use(rateLimit({ limiter, getIp: (c) => c.req.header('cf-connecting-ip') }));
    custom.get('/x', (c) => c.text('ok'));
    expect(
      (await custom.request('/x', { headers: { 'cf-connecting-ip': '192.0.2.50' } })).status,
    ).toBe(200);
    expect(
      (await custom.request('/x', { headers: { 'cf-connecting-ip': '192.0.2.50' } })).status,
    ).toBe(429);
  });

  it('adds headers to a Response whose headers are immutable', async () => {
    const limiter = createRateLimiter({
      store: memoryStore(),
      defaultRule: { limit: 5, period: 60 },
    });
    const app = new Hono();
    app.use(rateLimit({ limiter }));
    app.get('/moved', () => Response.redirect('http://a.example/elsewhere', 302));
    const response = await app.request('/moved', {}, env);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('http://a.example/elsewhere');
    expect(rateLimitParam(response.headers, 'r')).toBe('4');
  });

  it('adds the rate-limit headers and Retry-After to a raw Response onLimit returns', async () => {
    const limiter = createRateLimiter({
      store: memoryStore(),
      defaultRule: { limit: 1, period: 3600 },
    });
    const app = new Hono();
    app.use(rateLimit({ limiter, onLimit: () => new Response('slow down', { status: 429 }) }));
    app.get('/x', (c) => c.text('ok'));
    await app.request('/x', {}, env);
    const refused = await app.request('/x', {}, env);
    expect(refused.status).toBe(429);
    expect(await refused.text()).toBe('slow down');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(rateLimitParam(refused.headers, 'r')).toBe('0');
  });

  it('adds headers to a raw Response the handler returns', async () => {
    const limiter = createRateLimiter({
      store: memoryStore(),
      defaultRule: { limit: 5, period: 60 },
    });
    const app = new Hono();
    app.use(rateLimit({ limiter }));
    app.get('/raw', () => new Response('raw'));
    const response = await app.request('/raw', {}, env);
    expect(rateLimitParam(response.headers, 'r')).toBe('4');
    expect(await response.text()).toBe('raw');
  });
});
