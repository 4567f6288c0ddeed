import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { listening } from '../../../../testing/listen.js';
import { rateLimit } from '../../src/frameworks/express.js';
import { createRateLimiter, type RateLimitStore } from '../../src/index.js';
import { memoryStore } from '../../src/stores/memory.js';
import { sleep } from '../support/time.js';
import { registerAdapterScenarios } from './adapter-scenarios.js';
import { adapt, type Harness, headersOf, listeningHarness, readReply } from './harness.js';
import { registerTierScenarios } from './tier-scenarios.js';

// A real listener on port 0 and fetch, with the limiter under a mounted router.
const harness: Harness = {
  name: 'express',
  foldsCase: true,
  async make(limiter, options = {}, { caseSensitive } = {}) {
    const middleware = rateLimit({
      limiter,
      ...adapt<express.Request>(
        options,
        (req) => req.headers.authorization,
        (req) => req.path,
      ),
    });
    const app = express();
    if (caseSensitive) app.enable('case sensitive routing');
    const api = express.Router({ caseSensitive });
    api.use(middleware);
    api.get('/tasks/task', (_req, res) => {
      res.json({ ok: true });
    });
    api.get('/tasks', (_req, res) => {
      res.json({ ok: true });
    });
    api.get('/health', (_req, res) => {
      res.type('text').send('up');
    });
    api.get('/raw', (_req, res) => {
      res.end('raw');
    });
    app.use('/api/v1', api);
    const server = app.listen(0, '127.0.0.1');
    return listeningHarness(await listening(server as Server));
  },
};

registerTierScenarios(harness);
registerAdapterScenarios(harness);

describe('express adapter specifics', () => {
  it('hands Express the error when a response went out while the store was answering', async () => {
    const inner = memoryStore();
    const slow: RateLimitStore = {
      consume: (request) => sleep(30).then(() => inner.consume(request)),
      peek: (request) => inner.peek(request),
      reset: (request) => inner.reset(request),
    };
    const limiter = createRateLimiter({ store: slow, storeTimeout: '1 s' });
    const errors: unknown[] = [];
    const app = express();
    // A timeout middleware of the usual kind: it answers first, the request goes on.
    app.use((_req, res, next) => {
      setTimeout(() => res.status(503).send('timeout'), 5);
      next();
    });
    app.use(rateLimit({ limiter }));
    app.get('/x', (_req, res) => {
      res.send('late');
    });
    app.use(((error, _req, _res, next) => {
      errors.push(error);
      next();
    }) as express.ErrorRequestHandler);
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/x`);
      expect(response.status).toBe(503);
      await sleep(60);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ code: 'ERR_HTTP_HEADERS_SENT' });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
