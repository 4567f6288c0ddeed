import express from 'express';
import { describe, expect, it, vi } from 'vitest';
import { listening } from '../../../../testing/listen.js';
import { cache } from '../../src/frameworks/express.js';
import { createCache } from '../../src/index.js';
import { memoryStore } from '../../src/stores/memory.js';
import { type BuildClient, fetchClient, runAdapterSuite } from './adapter-suite.js';
import { runParamsSuite } from './params-suite.js';
import { ROUTES } from './routes.js';

// A real listener on port 0 and fetch: Express is tested through its HTTP server.
const buildClient: BuildClient = async (appCache, backend) => {
  const app = express();
  // Express's own weak ETags would blur which headers the cache sends.
  app.set('etag', false);
  for (const route of ROUTES) {
    const middleware = route.options ? [cache(appCache, route.options)] : [];
    const method = route.method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete';
    app[method](route.expressPath ?? route.path, ...middleware, async (req, res) => {
      const { status, body, contentType } = await backend.handle(route.name, req.query, req.params);
      if (status === 204) return void res.sendStatus(204);
      if (contentType) return void res.status(status).type(contentType).send(body);
      res.status(status).json(body);
    });
  }
  return fetchClient(await listening(app.listen(0, '127.0.0.1')));
};

runAdapterSuite('express', buildClient);
runParamsSuite('express', buildClient);

describe('express adapter specifics', () => {
  async function serve(configure: (app: express.Express) => void) {
    const app = express();
    configure(app);
    const { base, close } = await listening(app.listen(0, '127.0.0.1'));
    return {
      get: (path: string, headers?: Record<string, string>) => fetch(base + path, { headers }),
      close,
    };
  }
  const appCache = () =>
    createCache({ store: memoryStore(), logger: { warn: vi.fn(), error: vi.fn() } });

  it('passes a body written in parts through, uncached: its last part is not the body', async () => {
    const cached = appCache();
    const app = await serve((app) =>
      app.get('/parts/:id', cache(cached, { keyPrefix: 'parts' }), (_req, res) => {
        res.type('application/json').write('{"first":');
        res.end('"part"}');
      }),
    );
    try {
      for (let i = 0; i < 2; i++) {
        const response = await app.get('/parts/1');
        expect([await response.text(), response.headers.get('x-cache')]).toEqual([
          '{"first":"part"}',
          null,
        ]);
      }
    } finally {
      await app.close();
    }
  });

  it("keeps its strong ETag and its 304 with Express's own etag setting on", async () => {
    const cached = appCache();
    const app = await serve((app) =>
      app.get('/etag/:id', cache(cached, { keyPrefix: 'etag' }), (_req, res) => {
        res.json({ same: true });
      }),
    );
    try {
      const miss = await app.get('/etag/1');
      const etag = miss.headers.get('etag')!;
      expect(etag).toMatch(/^"[\w-]+"$/);
      const hit = await app.get('/etag/1', { 'if-none-match': etag });
      expect([hit.status, hit.headers.get('x-cache')]).toEqual([304, 'HIT']);
    } finally {
      await app.close();
    }
  });
});
