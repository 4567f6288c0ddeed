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
import { registerControlScenarios } from './control-scenarios.js';
import {
  adapt,
  boom,
  type Harness,
  listeningHarness,
  login,
  mapOnLimit,
  type Probe,
  probe,
  type Readers,
  seenBody,
} from './harness.js';
import { registerTierScenarios } from './tier-scenarios.js';

const read: Readers<express.Request, express.Response> = {
  authorization: (req) => req.headers.authorization,
  path: (req) => req.originalUrl.split('?')[0]!,
  status: (_req, res) => res.statusCode,
};

/** The routes of the shared scenarios, each with `limit` in front when mounted per route. */
function routes(api: express.Router, probe: Probe, limit: express.RequestHandler[]): void {
  api.get('/tasks/task', ...limit, (_req, res) => {
    res.json({ ok: true });
  });
  api.get('/tasks', ...limit, (_req, res) => {
    res.json({ ok: true });
  });
  api.get('/health', ...limit, (_req, res) => {
    res.type('text').send('up');
  });
  api.get('/raw', ...limit, (_req, res) => {
    res.end('raw');
  });
  api.get('/post/:id', ...limit, (req, res) => {
    res.json({ id: req.params.id });
  });
  api.get('/login', ...limit, async (req, res) => {
    const { status, body } = await login(probe, req.query);
    res.status(status).json(body);
  });
  api.get('/boom', ...limit, () => boom(probe));
  api.get('/seen', ...limit, (req, res) => {
    res.json(seenBody(req.rateLimit));
  });
}

// A real listener on port 0 and fetch, with the limiter under a mounted router.
const harness: Harness = {
  name: 'express',
  foldsCase: true,
  appWideRoute: 'mount',
  abortable: true,
  async make(limiter, options = {}, { caseSensitive, mount = 'app' } = {}) {
    const middleware = rateLimit({
      limiter,
      ...adapt(options, read),
      onLimit: mapOnLimit(options.onLimit, ({ status, body }, _req, res: express.Response) => {
        res.status(status).json(body);
      }),
    });
    const app = express();
    if (caseSensitive) app.enable('case sensitive routing');
    const api = express.Router({ caseSensitive });
    const probed = probe();
    if (mount === 'app') api.use(middleware);
    routes(api, probed, mount === 'route' ? [middleware] : []);
    app.use('/api/v1', api);
    // Quiet: the thrown /boom is expected.
    app.use(((_error, _req, res, _next) => {
      res.status(500).json({ detail: 'Internal error' });
    }) as express.ErrorRequestHandler);
    const server = app.listen(0, '127.0.0.1');
    return listeningHarness(await listening(server as Server), probed);
  },
};

registerTierScenarios(harness);
registerAdapterScenarios(harness);
registerControlScenarios(harness);

describe('express adapter specifics', () => {
  it('hands Express the error when a response went out while the store was answering', async () => {
    const inner = memoryStore();
    const slow: RateLimitStore = {
      consume: (request) => sleep(30).then(() => inner.consume(request)),
      peek: (request) => inner.peek(request),
      adjust: (request) => inner.adjust(request),
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
