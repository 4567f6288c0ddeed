import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { rateLimit } from '../../src/frameworks/express.js';
import { createRateLimiter } from '../../src/index.js';
import { memoryStore } from '../../src/stores/memory.js';
import { type MakeApp, registerTierScenarios } from './tier-scenarios.js';

// A real listener on port 0 and fetch, with the limiter under a mounted router.
const makeApp: MakeApp = async (limiter, { identify, ...options }) => {
  const app = express();
  const api = express.Router();
  api.use(
    rateLimit({ limiter, identify: (req) => identify(req.headers.authorization), ...options }),
  );
  api.get('/tasks/task', (_req, res) => {
    res.json({ ok: true });
  });
  app.use('/api/v1', api);
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    async send(path, init = {}) {
      const headers: Record<string, string> = {};
      if (init.token) headers.authorization = `Bearer ${init.token}`;
      if (init.forwardedFor) headers['x-forwarded-for'] = init.forwardedFor;
      const response = await fetch(base + path, { headers });
      return { status: response.status, headers: response.headers, body: await response.json() };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

registerTierScenarios('express', makeApp);

describe('express adapter options', () => {
  it('fails at creation on bad options, naming the option', () => {
    const limiter = createRateLimiter({ store: memoryStore() });
    expect(() => rateLimit({} as never)).toThrow(/`limiter`/);
    expect(() => rateLimit({ limiter, cost: 0 })).toThrow(/`cost`/);
    expect(() => rateLimit({ limiter, standardHeaders: 'draft-9' as never })).toThrow(
      /`standardHeaders`/,
    );
    expect(() => rateLimit({ limiter, trustProxy: ['nope'] })).toThrow(/`trustProxy`/);
  });
});
