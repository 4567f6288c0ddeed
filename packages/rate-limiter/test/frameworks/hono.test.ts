import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { rateLimit } from '../../src/frameworks/hono.js';
import { createRateLimiter } from '../../src/index.js';
import { memoryStore } from '../../src/stores/memory.js';
import { type MakeApp, registerTierScenarios } from './tier-scenarios.js';

// app.request() with a @hono/node-server-shaped env carrying the socket address.
const env = { incoming: { socket: { remoteAddress: '::ffff:192.0.2.10' } } };

const makeApp: MakeApp = async (limiter, { identify, ...options }) => {
  const api = new Hono();
  api.use(
    rateLimit({ limiter, identify: (c) => identify(c.req.header('authorization')), ...options }),
  );
  api.get('/tasks/task', (c) => c.json({ ok: true }));
  const app = new Hono().route('/api/v1', api);
  return {
    async send(path, init = {}) {
      const headers: Record<string, string> = {};
      if (init.token) headers.authorization = `Bearer ${init.token}`;
      if (init.forwardedFor) headers['x-forwarded-for'] = init.forwardedFor;
      const response = await app.request(path, { headers }, env);
      return { status: response.status, headers: response.headers, body: await response.json() };
    },
    async close() {},
  };
};

registerTierScenarios('hono', makeApp);

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

  it('neither counts nor limits what skip() says to skip', async () => {
    const limiter = createRateLimiter({
      store: memoryStore(),
      defaultRule: { limit: 1, period: 60 },
    });
    const app = new Hono();
    app.use(rateLimit({ limiter, skip: (c) => c.req.path === '/health' }));
    app.get('/health', (c) => c.text('up'));
    app.get('/x', (c) => c.text('ok'));
    for (let i = 0; i < 3; i++) {
      const health = await app.request('/health', {}, env);
      expect(health.status).toBe(200);
      expect(health.headers.get('x-ratelimit-limit')).toBeNull();
    }
    expect((await app.request('/x', {}, env)).headers.get('x-ratelimit-remaining')).toBe('0');
    expect((await app.request('/x', {}, env)).status).toBe(429);
    expect((await app.request('/health', {}, env)).status).toBe(200);
  });

  it('fails at creation on bad options, naming the option', () => {
    expect(() => rateLimit({ limiter: undefined as never })).toThrow(/`limiter`/);
    const limiter = createRateLimiter({ store: memoryStore() });
    expect(() => rateLimit({ limiter, skip: 'OPTIONS' as never })).toThrow(/`skip`/);
  });
});
