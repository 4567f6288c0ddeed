import type { AddressInfo } from 'node:net';
import express from 'express';
import { rateLimit } from '../../src/frameworks/express.js';
import { rawStatus } from '../support/raw-request.js';
import { registerAdapterScenarios } from './adapter-scenarios.js';
import { adapt, type Harness, headersOf, readReply } from './harness.js';
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
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      send: async (path, init) =>
        readReply(await fetch(`http://127.0.0.1:${port}${path}`, { headers: headersOf(init) })),
      sendTarget: (target) => rawStatus(port, target),
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  },
};

registerTierScenarios(harness);
registerAdapterScenarios(harness);
