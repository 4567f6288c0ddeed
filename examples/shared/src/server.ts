import type { AddressInfo } from 'node:net';
import { type AppContext, createAppContext } from './context.js';
import { SettingsError } from './settings.js';

/** Prints where the server listens and how to log in, once it does. */
export function announce(ctx: AppContext, framework: string, address: AddressInfo | string | null) {
  const port = typeof address === 'object' && address ? address.port : ctx.settings.PORT;
  const host =
    ctx.settings.HOST === '0.0.0.0' || ctx.settings.HOST === '::' ? 'localhost' : ctx.settings.HOST;
  const url = `http://${host}:${port}`;
  const { settings } = ctx;
  ctx.logger.info(
    {
      url,
      framework,
      database: `${ctx.database.kind} (${ctx.database.location})`,
      stores: settings.REDIS_URL ? 'redis' : 'memory',
    },
    'server listening',
  );
  // Plain lines for a person at a terminal, next to the JSON logs.
  console.log(`\n  Kit example API (${framework}) listening on ${url}`);
  console.log(
    `  Log in:  curl -X POST ${url}/api/v1/login -d username=${settings.ADMIN_USERNAME} -d password=...`,
  );
  // The original's ENVIRONMENT: no documentation in production (see docs-routes.ts).
  const docs =
    settings.ENVIRONMENT === 'production'
      ? 'not served (ENVIRONMENT=production)'
      : `${url}/docs, ${url}/redoc`;
  console.log(`  Docs:    ${docs}\n`);
}

/**
 * Starts an app: builds the context, calls `listen` (the framework's own), prints the URL, and
 * on SIGINT/SIGTERM stops accepting requests, then closes the context.
 */
export async function runServer(
  framework: string,
  listen: (
    ctx: AppContext,
  ) => Promise<{ address: AddressInfo | string | null; close(): Promise<void> }>,
): Promise<void> {
  let ctx: AppContext;
  try {
    ctx = await createAppContext();
  } catch (error) {
    if (error instanceof SettingsError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const server = await listen(ctx);
  announce(ctx, framework, server.address);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    ctx.logger.info({ signal }, 'shutting down');
    await server.close().catch(() => {});
    await ctx.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
