import { Redis } from 'ioredis';
import { findVariant } from './catalog.js';
import { type ServerContext, Unavailable } from './parts.js';

/*
 * One HTTP bench server: `server.ts <framework> <variant>`, forked by the driver with an IPC
 * channel. It builds the variant's app, listens on 127.0.0.1:0 and reports
 * `{ type: 'ready', port, pid }` (or `unavailable` / `failed` with a reason). Then it answers
 * `cpu` with its process CPU time (after a GC when asked, so a collection owed by the previous
 * round is not billed to the next) and how many lines our packages have logged, and exits on
 * `stop` or when the driver goes away.
 */

export type ServerMessage =
  | { type: 'ready'; port: number; pid: number }
  | { type: 'unavailable'; reason: string }
  | { type: 'failed'; reason: string }
  | { type: 'cpu'; us: number; logged: number };

export type DriverMessage = { type: 'cpu'; gc: boolean } | { type: 'stop' };

const [framework = '', id = ''] = process.argv.slice(2);
/** Resolves once the message is handed to the channel, so an exit right after loses nothing. */
function send(message: ServerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) resolve();
    else process.send(message, undefined, undefined, () => resolve());
  });
}

let client: Promise<Redis> | undefined;
let logged = 0;
const ctx: ServerContext = {
  logger: {
    warn(details, message) {
      logged++;
      console.warn(`[${framework} ${id}] ${message}`, JSON.stringify(details));
    },
    error(details, message) {
      logged++;
      console.error(`[${framework} ${id}] ${message}`, JSON.stringify(details));
    },
  },
  variant: findVariant(framework, id),
  prefix: `bench:http:${framework}:${id}:`,
  redis() {
    client ??= (async () => {
      const url = process.env.BENCH_REDIS_URL;
      if (!url) throw new Error('BENCH_REDIS_URL is not set');
      const redis = new Redis(url, ctx.variant.redisOptions ?? {});
      await redis.ping();
      return redis;
    })();
    return client;
  },
};

process.on('message', (message: DriverMessage) => {
  if (message.type === 'stop') process.exit(0);
  if (message.gc) globalThis.gc?.();
  const usage = process.cpuUsage();
  void send({ type: 'cpu', us: usage.user + usage.system, logged });
});
// The driver died or closed the channel: never outlive it.
process.on('disconnect', () => process.exit(0));

try {
  const { start } = (await import(`./${framework}.js`)) as {
    start(ctx: ServerContext): Promise<number>;
  };
  await send({ type: 'ready', port: await start(ctx), pid: process.pid });
} catch (error) {
  const reason = (error as Error).message.split('\n')[0] ?? String(error);
  if (!(error instanceof Unavailable)) process.stderr.write(`${(error as Error).stack}\n`);
  await send(
    error instanceof Unavailable ? { type: 'unavailable', reason } : { type: 'failed', reason },
  );
  process.exit(0);
}
