import { PassThrough } from 'node:stream';
import Fastify, { type FastifyContextConfig } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import { cachePlugin } from '../../src/frameworks/fastify.js';
import { CacheError, createCache } from '../../src/index.js';
import { memoryStore } from '../../src/stores/memory.js';
import { type BuildClient, runAdapterSuite } from './adapter-suite.js';
import { runParamsSuite } from './params-suite.js';
import { ROUTES } from './routes.js';

// app.inject(): Fastify is tested without a listening server.
const buildClient: BuildClient = async (appCache, backend) => {
  const app = Fastify();
  await app.register(cachePlugin, { cache: appCache });
  for (const route of ROUTES) {
    const config: FastifyContextConfig = route.options ? { cache: route.options } : {};
    app.route({
      method: route.method,
      url: route.path,
      config,
      handler: async (request, reply) => {
        const query = request.query as Record<string, unknown>;
        const path = request.params as Record<string, unknown>;
        const { status, body, contentType } = await backend.handle(route.name, query, path);
        if (status === 204) return reply.code(204).send();
        if (contentType) return reply.code(status).type(contentType).send(body);
        return reply.code(status).send(body);
      },
    });
  }
  await app.ready();
  return {
    async request(method, path, headers) {
      const response = await app.inject({ method: method as 'GET', url: path, headers });
      const out = new Headers();
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined) out.set(name, String(value));
      }
      return { status: response.statusCode, headers: out, body: response.body };
    },
    close: () => app.close(),
  };
};

runAdapterSuite('fastify', buildClient);
runParamsSuite('fastify', buildClient);

const quiet = () => ({ warn: vi.fn(), error: vi.fn() });

describe('fastify plugin', () => {
  it('caches only the routes of the instance it is registered on', async () => {
    const appCache = createCache({ store: memoryStore(), logger: quiet() });
    const app = Fastify();
    const options = { keyPrefix: 'post', resourceIdName: 'id' };
    app.register(async (child) => {
      await child.register(cachePlugin, { cache: appCache });
      child.get('/inside/:id', { config: { cache: options } }, async () => ({ n: Math.random() }));
    });
    app.get('/outside/:id', { config: { cache: options } }, async () => ({ n: Math.random() }));
    const xCache = async (url: string) => (await app.inject(url)).headers['x-cache'];
    expect([await xCache('/inside/1'), await xCache('/inside/1')]).toEqual(['MISS', 'HIT']);
    expect(await xCache('/outside/2')).toBeUndefined();
    await app.close();
  });

  it('fails at startup on a bad route option, naming it, and on a missing cache', async () => {
    const appCache = createCache({ store: memoryStore(), logger: quiet() });
    const app = Fastify();
    await app.register(cachePlugin, { cache: appCache });
    expect(() =>
      app.get('/x/:id', { config: { cache: { keyPrefix: '{x' } } }, async () => ({})),
    ).toThrow(/option `keyPrefix`/);
    await app.close();
    const bare = Fastify();
    await expect(bare.register(cachePlugin, {} as never).ready()).rejects.toThrow(CacheError);
  });

  it('passes a stream through uncached', async () => {
    const appCache = createCache({ store: memoryStore(), logger: quiet() });
    const app = Fastify();
    await app.register(cachePlugin, { cache: appCache });
    app.get('/feed/:id', { config: { cache: { keyPrefix: 'feed' } } }, async (_request, reply) => {
      const stream = new PassThrough();
      stream.end('{"streamed":true}');
      return reply.type('application/json').send(stream);
    });
    for (let i = 0; i < 2; i++) {
      const response = await app.inject('/feed/1');
      expect([response.statusCode, response.body, response.headers['x-cache']]).toEqual([
        200,
        '{"streamed":true}',
        undefined,
      ]);
    }
    await app.close();
  });
});
