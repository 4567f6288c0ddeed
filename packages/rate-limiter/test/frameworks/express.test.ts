import { type AddressInfo, connect } from 'node:net';
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
    expect(() => rateLimit({ limiter, skip: true as never })).toThrow(/`skip`/);
  });

  it('neither counts nor limits what skip() says to skip', async () => {
    const limiter = createRateLimiter({
      store: memoryStore(),
      defaultRule: { limit: 1, period: 60 },
    });
    const app = express();
    app.use(rateLimit({ limiter, skip: async (req) => req.method === 'OPTIONS' }));
    app.get('/api/v1/tasks', (_req, res) => {
      res.json({ ok: true });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/tasks`;
    try {
      for (let i = 0; i < 3; i++) {
        const preflight = await fetch(url, { method: 'OPTIONS' });
        expect(preflight.status).toBe(200);
        expect(preflight.headers.get('x-ratelimit-limit')).toBeNull();
      }
      const first = await fetch(url);
      expect(first.status).toBe(200);
      expect(first.headers.get('x-ratelimit-remaining')).toBe('0');
      expect((await fetch(url)).status).toBe(429);
      expect((await fetch(url, { method: 'OPTIONS' })).status).toBe(200);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

/** Sends one raw HTTP/1.1 request line, so the request target can be in absolute form. */
function rawStatus(port: number, target: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`),
    );
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk;
    });
    socket.on('error', reject);
    socket.on('end', () => resolve(Number(data.split(' ')[1])));
  });
}

/** Statuses of raw requests, one by one, to an app limited to 1 request per minute. */
async function statuses(configure: (app: express.Express) => void, targets: string[]) {
  const limiter = createRateLimiter({
    store: memoryStore(),
    defaultRule: { limit: 1, period: 60 },
  });
  const app = express();
  configure(app);
  app.use(rateLimit({ limiter }));
  app.get('/api/v1/tasks', (_req, res) => {
    res.json({ ok: true });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const out: number[] = [];
    for (const target of targets) out.push(await rawStatus(port, target));
    return out;
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('express adapter request path', () => {
  it('keys an absolute-form request target by its path, so a made-up host is no fresh bucket', async () => {
    const targets = [
      '/api/v1/tasks',
      'http://a.example/api/v1/tasks?x=1',
      'http://b.example:8080/api/v1/tasks',
    ];
    expect(await statuses(() => {}, targets)).toEqual([200, 429, 429]);
  });
});

describe('express adapter path case', () => {
  it('shares one bucket between case variants that Express routes to the same handler', async () => {
    const targets = ['/api/v1/tasks', '/API/v1/tasks', '/Api/V1/Tasks'];
    expect(await statuses(() => {}, targets)).toEqual([200, 429, 429]);
  });

  it('keeps case when the app routes case-sensitively', async () => {
    const targets = ['/api/v1/tasks', '/api/v1/tasks', '/API/v1/tasks'];
    const sensitive = (app: express.Express) => app.enable('case sensitive routing');
    expect(await statuses(sensitive, targets)).toEqual([200, 429, 404]);
  });
});
