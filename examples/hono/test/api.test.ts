import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { registerApiSuite, SUITE_ENV } from '@kit/example-api-suite';
import { createAppContext } from '@kit/example-shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHonoApp } from '../src/app.js';

registerApiSuite(
  {
    name: 'hono',
    async start(env, options) {
      const ctx = await createAppContext({
        env: { PGLITE_DIR: 'memory://', ...SUITE_ENV, ...env },
        isolate: true,
        isolateDatabase: options?.isolateDatabase,
        redisScope: options?.redisScope,
      });
      const app = createHonoApp(ctx);
      const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
        const listening = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
          resolve(listening),
        );
      });
      const { port } = server.address() as AddressInfo;
      return {
        baseUrl: `http://127.0.0.1:${port}`,
        sql: ctx.database.query,
        async close() {
          if ('closeAllConnections' in server) server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          await ctx.close();
        },
      };
    },
  },
  { describe, it, expect, beforeAll, afterAll },
);
