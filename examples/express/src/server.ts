import { runServer } from '@kit/example-shared';
import { createExpressApp } from './app.js';

await runServer('express', async (ctx) => {
  const app = createExpressApp(ctx);
  const server = app.listen(ctx.settings.PORT, ctx.settings.HOST);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return {
    address: server.address(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
});
