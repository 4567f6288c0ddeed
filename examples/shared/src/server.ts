import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AppContext, createAppContext } from './context.js';
import { drainServer } from './drain.js';
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
      tasks:
        settings.REDIS_QUEUE_URL || settings.REDIS_URL ? 'redis queue (pnpm worker)' : 'in-process',
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
 * Starts an app: builds the context, calls `listen` (the framework's own, returning its Node
 * server), prints the URL, and on SIGINT/SIGTERM shuts down gracefully: new task requests get
 * 503 at once, the listener closes, in-flight requests get up to SHUTDOWN_TIMEOUT_SECONDS to
 * finish, then running tasks are finished or re-queued and the queues, stores and pools close.
 */
export async function runServer(
  framework: string,
  listen: (ctx: AppContext) => Promise<Server>,
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
  announce(ctx, framework, server.address());

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const deadlineMs = ctx.settings.SHUTDOWN_TIMEOUT_SECONDS * 1000;
    const started = Date.now();
    ctx.logger.info({ signal, deadlineMs }, 'shutting down: finishing in-flight requests');
    ctx.beginShutdown();
    const finished = await drainServer(server, deadlineMs);
    if (!finished) ctx.logger.warn({ deadlineMs }, 'shutdown deadline passed: requests cut');
    // Tasks get what is left of the deadline (at least a second to re-queue what must wait).
    await ctx.close({ deadlineMs: Math.max(1000, deadlineMs - (Date.now() - started)) });
    process.exit(0);
  };
  // `on`, not `once`: a repeated signal (a supervisor, pnpm forwarding it) must not kill the
  // process half-way through its shutdown.
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
