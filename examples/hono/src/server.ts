import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { runServer } from '@kit/example-shared';
import { createHonoApp } from './app.js';

await runServer('hono', async (ctx) => {
  const app = createHonoApp(ctx);
  return new Promise<Server>((resolve, reject) => {
    const started = serve(
      { fetch: app.fetch, port: ctx.settings.PORT, hostname: ctx.settings.HOST },
      () => resolve(started as Server),
    );
    started.once('error', reject);
  });
});
