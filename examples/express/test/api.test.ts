import type { AddressInfo } from 'node:net';
import { registerApiSuite, SUITE_ENV } from '@kit/example-api-suite';
import { createAppContext } from '@kit/example-shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExpressApp } from '../src/app.js';

registerApiSuite(
  {
    name: 'express',
    async start(env, options) {
      const ctx = await createAppContext({
        env: { PGLITE_DIR: 'memory://', ...SUITE_ENV, ...env },
        isolate: true,
        isolateDatabase: options?.isolateDatabase,
        redisScope: options?.redisScope,
      });
      const app = createExpressApp(ctx);
      const server = await new Promise<import('node:http').Server>((resolve, reject) => {
        const listening = app.listen(0, '127.0.0.1', (error?: Error) => {
          if (error) reject(error);
          else resolve(listening);
        });
      });
      const { port } = server.address() as AddressInfo;
      return {
        baseUrl: `http://127.0.0.1:${port}`,
        sql: ctx.database.query,
        async close() {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          await ctx.close();
        },
      };
    },
  },
  { describe, it, expect, beforeAll, afterAll },
);
