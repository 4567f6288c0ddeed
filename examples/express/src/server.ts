import type { Server } from 'node:http';
import { runServer } from '@kit/example-shared';
import { createExpressApp } from './app.js';

await runServer('express', async (ctx) => {
  const server = createExpressApp(ctx).listen(ctx.settings.PORT, ctx.settings.HOST);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return server as Server;
});
