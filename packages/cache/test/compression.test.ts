// Compression middleware runs around the cache on every framework: it adds
// `Vary: Accept-Encoding` after the cache judged the response, and compresses the body on the
// way out. The entry must still be stored (a late Vary is not the handler's Vary), hold the
// uncompressed body, and each hit must be compressed again for a client that asks for it and
// sent plain to one that does not.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import fastifyCompress from '@fastify/compress';
import compression from 'compression';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { compress } from 'hono/compress';
import { afterEach, describe, expect, it } from 'vitest';
import { cache as expressCache } from '../src/frameworks/express.js';
import { cachePlugin } from '../src/frameworks/fastify.js';
import { cache as honoCache } from '../src/frameworks/hono.js';
import { type CacheInstance, createCache } from '../src/index.js';
import { memoryStore } from '../src/stores/memory.js';

/** Large enough to pass every compressor's threshold (1 KiB). */
const document = { items: Array.from({ length: 200 }, (_, i) => ({ id: i, title: `post ${i}` })) };
const documentJson = JSON.stringify(document);

interface Reply {
  cache: string | null;
  encoding: string | null;
  vary: string | null;
  text: string;
}
type Get = (path: string, headers: Record<string, string>) => Promise<Reply>;

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** Reads the raw bytes (fetch would inflate them itself) and gunzips them when gzipped. */
async function read(response: Response): Promise<Reply> {
  const bytes = Buffer.from(await response.arrayBuffer());
  const encoding = response.headers.get('content-encoding');
  return {
    cache: response.headers.get('x-cache'),
    encoding,
    vary: response.headers.get('vary'),
    text: (encoding === 'gzip' ? gunzipSync(bytes) : bytes).toString(),
  };
}

async function expressWorld(appCache: CacheInstance): Promise<Get> {
  const app = express();
  app.use(compression());
  app.get('/docs/:id', expressCache(appCache, { keyPrefix: 'doc' }), (_req, res) => {
    res.json(document);
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  // undici's fetch inflates gzip on its own; ask it not to by reading through node:http.
  return async (path, headers) => {
    const { request } = await import('node:http');
    return new Promise((resolve, reject) => {
      const req = request({ port, host: '127.0.0.1', path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const encoding = res.headers['content-encoding'] ?? null;
          resolve({
            cache: (res.headers['x-cache'] as string | undefined) ?? null,
            encoding,
            vary: res.headers.vary ?? null,
            text: (encoding === 'gzip' ? gunzipSync(bytes) : bytes).toString(),
          });
        });
      });
      req.on('error', reject);
      req.end();
    });
  };
}

async function honoWorld(appCache: CacheInstance): Promise<Get> {
  const app = new Hono();
  app.use(compress({ encoding: 'gzip' }));
  app.get('/docs/:id', honoCache(appCache, { keyPrefix: 'doc' }), (c) => c.json(document));
  return async (path, headers) => read(await app.request(path, { headers }));
}

async function fastifyWorld(appCache: CacheInstance): Promise<Get> {
  const app = Fastify();
  // The order docs/cache.md gives: the cache plugin first, compression after it.
  await app.register(cachePlugin, { cache: appCache });
  await app.register(fastifyCompress, { encodings: ['gzip'] });
  app.get('/docs/:id', { config: { cache: { keyPrefix: 'doc' } } }, async () => document);
  await app.ready();
  closers.push(() => app.close());
  return async (path, headers) => {
    const response = await app.inject({ method: 'GET', url: path, headers });
    const bytes = response.rawPayload;
    const encoding = (response.headers['content-encoding'] as string | undefined) ?? null;
    return {
      cache: (response.headers['x-cache'] as string | undefined) ?? null,
      encoding,
      vary: (response.headers.vary as string | undefined) ?? null,
      text: (encoding === 'gzip' ? gunzipSync(bytes) : bytes).toString(),
    };
  };
}

const frameworks = { express: expressWorld, hono: honoWorld, fastify: fastifyWorld };

describe.each(Object.entries(frameworks))('%s with compression middleware', (_name, build) => {
  it('stores the uncompressed body and compresses each hit again', async () => {
    const store = memoryStore();
    const get = await build(createCache({ store }));
    const gzip = { 'accept-encoding': 'gzip' };

    const miss = await get('/docs/1', gzip);
    expect([miss.cache, miss.encoding, miss.text]).toEqual(['MISS', 'gzip', documentJson]);
    expect(miss.vary?.toLowerCase()).toContain('accept-encoding');

    const stored = await store.get('doc:1');
    expect(stored).toBeDefined();
    expect(String(stored)).toContain('"title":"post 199"');

    const hit = await get('/docs/1', gzip);
    expect([hit.cache, hit.encoding, hit.text]).toEqual(['HIT', 'gzip', documentJson]);

    const plain = await get('/docs/1', { 'accept-encoding': 'identity' });
    expect([plain.cache, plain.encoding, plain.text]).toEqual(['HIT', null, documentJson]);
  });
});
