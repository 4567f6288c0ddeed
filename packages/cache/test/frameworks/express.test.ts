import type { AddressInfo } from 'node:net';
import express from 'express';
import { cache } from '../../src/frameworks/express.js';
import type { BuildClient } from './adapter-suite.js';
import { runAdapterSuite } from './adapter-suite.js';
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
