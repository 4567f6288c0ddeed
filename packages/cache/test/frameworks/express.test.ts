import type { AddressInfo } from 'node:net';
import express from 'express';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { cache } from '../../src/frameworks/express.js';
import { createCache } from '../../src/index.js';
import { memoryStore } from '../../src/stores/memory.js';
import { redisStore } from '../../src/stores/redis.js';
import { type BuildClient, runAdapterSuite } from './adapter-suite.js';
import { runParamsSuite } from './params-suite.js';
import { ROUTES } from './routes.js';

const buildClient: BuildClient = async (appCache, backend) => {
  const app = express();
  for (const route of ROUTES) {
    const middleware = route.options ? [cache(appCache, route.options)] : [];
    const method = route.method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete';
    app[method](route.path, ...middleware, async (req, res) => {
      const { status, body } = await backend.handle(route.name, { ...req.query, ...req.params });
      if (status === 204) return void res.status(204).end();
      res.status(status).json(body);
    });
  }
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    async request(method, path, headers) {
      const response = await fetch(base + path, { method, headers });
      return { status: response.status, headers: response.headers, body: await response.text() };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
};

runAdapterSuite('express', buildClient);
runParamsSuite('express', buildClient);

describe('express adapter: content type of a hit', () => {
  const redis = new Redis(inject('redisUrl'));
  afterAll(() => redis.disconnect());

  // res.send() adds `charset=utf-8` to a string body's type after the middleware has seen it.
  it('sends the Content-Type the miss was sent with, charset included', async () => {
    const store = redisStore({ client: redis, prefix: `test:cache:express-ct:${Date.now()}:` });
    await redis.ping();
    const appCache = createCache({ store, logger: { warn: vi.fn(), error: vi.fn() } });
    const app = express();
    app.get('/api/:id', cache(appCache, { keyPrefix: 'api' }), (_req, res) => {
      res.type('application/vnd.api+json').send(JSON.stringify({ data: { text: 'héllo ✓' } }));
    });
    app.get('/raw/:id', cache(appCache, { keyPrefix: 'raw' }), (_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.send(JSON.stringify({ text: 'héllo ✓' }));
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const path of ['/api/1', '/raw/1']) {
        const miss = await fetch(base + path);
        const hit = await fetch(base + path);
        expect([miss.headers.get('x-cache'), hit.headers.get('x-cache')]).toEqual(['MISS', 'HIT']);
        expect(hit.headers.get('content-type')).toBe(miss.headers.get('content-type'));
        expect(await hit.text()).toBe(await miss.text());
      }
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('express adapter: bodiless reads', () => {
  // A 204 goes out without body, type or length; a cached one would come back with all three.
  it('does not cache a 204 sent with res.sendStatus()', async () => {
    const appCache = createCache({
      store: memoryStore(),
      logger: { warn: vi.fn(), error: vi.fn() },
    });
    const app = express();
    app.get('/empty/:id', cache(appCache, { keyPrefix: 'empty' }), (_req, res) => {
      res.sendStatus(204);
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (let i = 0; i < 2; i++) {
        const response = await fetch(`${base}/empty/1`);
        expect(response.status).toBe(204);
        expect(response.headers.get('content-length')).toBeNull();
        expect(response.headers.get('content-type')).toBeNull();
        expect(await response.text()).toBe('');
      }
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('express adapter: optional path parameters', () => {
  // Express leaves an absent optional path parameter out of req.params: a query parameter of
  // the same name must not stand in for it, since the handler reads the path.
  it('keys an absent optional path parameter by its default, not by the query', async () => {
    const appCache = createCache({
      store: memoryStore(),
      logger: { warn: vi.fn(), error: vi.fn() },
    });
    const app = express();
    app.get(
      '/pages{/:page}',
      cache(appCache, { keyPrefix: 'pages', resourceIdName: 'page', defaults: { page: 1 } }),
      (req, res) => {
        res.json({ page: req.params.page ?? '1' });
      },
    );
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await (await fetch(`${base}/pages?page=2`)).json()).toEqual({ page: '1' });
      expect(await (await fetch(`${base}/pages/2`)).json()).toEqual({ page: '2' });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
