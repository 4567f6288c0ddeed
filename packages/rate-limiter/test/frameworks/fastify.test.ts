import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import defaultExport, { rateLimitPlugin } from '../../src/frameworks/fastify.js';
import { createRateLimiter, RateLimiterError } from '../../src/index.js';
import { memoryStore } from '../../src/stores/memory.js';
import { rawStatus } from '../support/raw-request.js';
import { registerAdapterScenarios } from './adapter-scenarios.js';
import { registerControlScenarios } from './control-scenarios.js';
import {
  abortedFetch,
  adapt,
  boom,
  type Harness,
  headersOf,
  login,
  mapOnLimit,
  type Probe,
  probe,
  type Readers,
  type Reply,
  seenBody,
} from './harness.js';
import { rateLimitParam } from './scenario-helpers.js';
import { registerTierScenarios } from './tier-scenarios.js';

// A socket address other than inject()'s default, as the other harnesses use.
const remoteAddress = '192.0.2.10';

/** Listens on port 0 once, for requests inject() cannot make (absolute-form targets). */
async function portOf(app: FastifyInstance): Promise<number> {
  if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as AddressInfo).port;
}

const read: Readers<FastifyRequest, FastifyReply> = {
  authorization: (request) => request.headers.authorization,
  path: (request) => request.url.split('?')[0]!,
  status: (_request, reply) => reply.statusCode,
};

/** The routes of the shared scenarios (the plugin's hook knows each route where it runs). */
function routes(api: FastifyInstance, probed: Probe): void {
  api.get('/tasks/task', async () => ({ ok: true }));
  api.get('/tasks', async () => ({ ok: true }));
  api.get('/health', async () => 'up');
  api.get('/raw', async () => new Response('raw'));
  api.get<{ Params: { id: string } }>('/post/:id', async (request) => ({ id: request.params.id }));
  api.get('/login', async (request, reply) => {
    const { status, body } = await login(probed, request.query as Record<string, string>);
    return reply.code(status).send(body);
  });
  api.get('/boom', async () => boom(probed));
  api.get('/seen', async (request) => seenBody(request.rateLimit));
}

// app.inject(), with the plugin registered in the /api/v1 context (as a router is mounted).
// Its onRequest hook runs after routing, so `mount: 'route'` changes nothing here.
const harness: Harness = {
  name: 'fastify',
  foldsCase: true,
  appWideRoute: 'route',
  abortable: true,
  async make(limiter, options = {}, { caseSensitive } = {}) {
    const app = Fastify({ routerOptions: { caseSensitive: caseSensitive ?? true } });
    // Quiet: the thrown /boom is expected.
    app.setErrorHandler((_error, _request, reply) => {
      reply.code(500).send({ detail: 'Internal error' });
    });
    const probed = probe();
    const shared = {
      ...adapt(options, read),
      onLimit: mapOnLimit(
        options.onLimit,
        ({ status, body }, _request: FastifyRequest, reply: FastifyReply) =>
          reply.code(status).send(body),
      ),
    };
    app.register(
      async (api) => {
        await api.register(rateLimitPlugin, { limiter, ...shared });
        routes(api, probed);
      },
      { prefix: '/api/v1' },
    );
    try {
      await app.ready();
    } catch (error) {
      await app.close();
      throw error;
    }
    return {
      async send(path, init = {}): Promise<Reply> {
        const response = await app.inject({ url: path, headers: headersOf(init), remoteAddress });
        let body: unknown = response.body;
        try {
          body = response.json();
        } catch {}
        const replyHeaders = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          if (value !== undefined) replyHeaders.set(name, String(value));
        }
        return { status: response.statusCode, headers: replyHeaders, body };
      },
      sendTarget: async (target) => rawStatus(await portOf(app), target),
      abort: async (path, ms) => abortedFetch(`http://127.0.0.1:${await portOf(app)}${path}`, ms),
      probe: probed,
      close: () => app.close(),
    };
  },
};

registerTierScenarios(harness);
registerAdapterScenarios(harness);
registerControlScenarios(harness);

const limiterOf = (limit: number) =>
  createRateLimiter({ store: memoryStore(), defaultRule: { limit, period: 60 } });

describe('fastify plugin specifics', () => {
  it('is the default export too, named for hasPlugin()', async () => {
    expect(defaultExport).toBe(rateLimitPlugin);
    const app = Fastify();
    await app.register(rateLimitPlugin, { limiter: limiterOf(1) });
    expect(app.hasPlugin('@kit/rate-limiter')).toBe(true);
    await app.close();
  });

  it('lets a route opt out with config.rateLimit: false', async () => {
    const app = Fastify();
    await app.register(rateLimitPlugin, { limiter: limiterOf(1) });
    app.get('/limited', async () => 'ok');
    app.get('/open', { config: { rateLimit: false } }, async () => 'ok');
    expect((await app.inject('/limited')).statusCode).toBe(200);
    expect((await app.inject('/limited')).statusCode).toBe(429);
    for (let i = 0; i < 3; i++) {
      const open = await app.inject('/open');
      expect(open.statusCode).toBe(200);
      expect(open.headers['ratelimit-policy']).toBeUndefined();
    }
    await app.close();
  });

  it('applies a route override of config.rateLimit on top of the plugin options', async () => {
    const app = Fastify();
    await app.register(rateLimitPlugin, { limiter: limiterOf(5), legacyHeaders: true });
    app.get('/heavy', { config: { rateLimit: { cost: 3 } } }, async () => 'ok');
    app.get('/light', async () => 'ok');
    const heavy = await app.inject('/heavy');
    expect(heavy.headers.ratelimit).toMatch(/;r=2;/);
    // The plugin's other options still apply to the overriding route.
    expect(heavy.headers['x-ratelimit-limit']).toBe('5');
    expect((await app.inject('/heavy')).statusCode).toBe(429);
    expect((await app.inject('/light')).headers.ratelimit).toMatch(/;r=4;/);
    await app.close();
  });

  it('limits only the routes of the context it is registered in, and its children', async () => {
    const app = Fastify();
    app.get('/root', async () => 'ok');
    app.register(
      async (limited) => {
        await limited.register(rateLimitPlugin, { limiter: limiterOf(1) });
        limited.get('/x', async () => 'ok');
        limited.register(async (child) => {
          child.get('/child', async () => 'ok');
        });
      },
      { prefix: '/limited' },
    );
    app.register(async (sibling) => sibling.get('/x', async () => 'ok'), { prefix: '/sibling' });
    expect((await app.inject('/limited/x')).statusCode).toBe(200);
    expect((await app.inject('/limited/x')).statusCode).toBe(429);
    expect((await app.inject('/limited/child')).statusCode).toBe(200);
    expect((await app.inject('/limited/child')).statusCode).toBe(429);
    for (const url of ['/root', '/root', '/sibling/x', '/sibling/x']) {
      const response = await app.inject(url);
      expect(response.statusCode).toBe(200);
      expect(response.headers['ratelimit-policy']).toBeUndefined();
    }
    await app.close();
  });

  it('limits routes declared before the plugin ran, with their own config.rateLimit', async () => {
    const app = Fastify();
    // Not awaited: Fastify runs the plugin after these routes are declared.
    app.register(rateLimitPlugin, { limiter: limiterOf(5) });
    app.get('/early', async () => 'ok');
    app.get('/early-heavy', { config: { rateLimit: { cost: 5 } } }, async () => 'ok');
    expect(rateLimitParam((await app.inject('/early')).headers, 'r')).toBe('4');
    expect(rateLimitParam((await app.inject('/early-heavy')).headers, 'r')).toBe('0');
    await app.close();
  });

  it('fails at app.ready() on a bad per-route option, naming it', async () => {
    for (const [rateLimit, option] of [
      [{ cost: 0 }, 'cost'],
      [{ standardHeaders: 'draft-9' }, 'standardHeaders'],
      [true, 'config.rateLimit'],
    ] as const) {
      const app = Fastify();
      app.register(rateLimitPlugin, { limiter: limiterOf(1) });
      app.register(async (api) => {
        api.get('/x', { config: { rateLimit: rateLimit as never } }, async () => 'ok');
      });
      const ready = app.ready();
      await expect(ready).rejects.toThrow(RateLimiterError);
      await expect(ready).rejects.toMatchObject({ code: 'E_INVALID_OPTION', option });
      await app.close();
    }
  });
});
