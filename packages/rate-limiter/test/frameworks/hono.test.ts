import { type Context, Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { rateLimit } from '../../src/frameworks/hono.js';
import { createRateLimiter } from '../../src/index.js';
import { memoryStore } from '../../src/stores/memory.js';
import { registerAdapterScenarios } from './adapter-scenarios.js';
import { adapt, type Harness, headersOf, readReply } from './harness.js';
import { registerTierScenarios } from './tier-scenarios.js';

// app.request() with a @hono/node-server-shaped env carrying the socket address.
const env = { incoming: { socket: { remoteAddress: '::ffff:192.0.2.10' } } };

const harness: Harness = {
  name: 'hono',
  // Hono's routers always match case: `/API/v1` is another route.
  foldsCase: false,
  async make(limiter, options = {}) {
    const middleware = rateLimit({
      limiter,
      ...adapt<Context>(
        options,
        (c) => c.req.header('authorization'),
        (c) => c.req.path,
      ),
    });
    const api = new Hono();
    api.use(middleware);
    api.get('/tasks/task', (c) => c.json({ ok: true }));
    api.get('/tasks', (c) => c.json({ ok: true }));
    api.get('/health', (c) => c.text('up'));
    api.get('/raw', () => new Response('raw'));
    const app = new Hono().route('/api/v1', api);
    return {
      send: async (path, init) =>
        readReply(await app.request(path, { headers: headersOf(init) }, env)),
      sendTarget: async (target) => (await app.request(target, {}, env)).status,
      async close() {},
    };
  },
};

registerTierScenarios(harness);
registerAdapterScenarios(harness);

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

  it('adds headers to a raw Response the handler returns', async () => {
    const limiter = createRateLimiter({
      store: memoryStore(),
      defaultRule: { limit: 5, period: 60 },
    });
    const app = new Hono();
    app.use(rateLimit({ limiter }));
    app.get('/raw', () => new Response('raw'));
    const response = await app.request('/raw', {}, env);
    expect(response.headers.get('x-ratelimit-remaining')).toBe('4');
    expect(await response.text()).toBe('raw');
  });
});
