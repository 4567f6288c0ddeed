import { serve } from '@hono/node-server';
import { runServer } from '@kit/example-shared';
import { createHonoApp } from './app.js';

await runServer('hono', async (ctx) => {
  const app = createHonoApp(ctx);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve(
      { fetch: app.fetch, port: ctx.settings.PORT, hostname: ctx.settings.HOST },
      () => resolve(started),
    );
    started.once('error', reject);
  });
  return {
    address: server.address(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
});
