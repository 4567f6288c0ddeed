import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { invalidOption } from '../errors.js';
import type { Algorithm, RateLimitStore, StoreRequest, StoreResult } from '../types.js';
import { FIXED_WINDOW } from './lua/fixed-window.js';
import { RESET } from './lua/reset.js';
import { SLIDING_WINDOW } from './lua/sliding-window.js';
import { TOKEN_BUCKET } from './lua/token-bucket.js';

/** Options of `redisStore`. */
export interface RedisStoreOptions {
  /** The app's own ioredis `Redis` or `Cluster`. The store never closes it. */
  client: Redis | Cluster;
}

interface Script {
  source: string;
  sha: string;
}

const script = (source: string): Script => ({
  source,
  sha: createHash('sha1').update(source).digest('hex'),
});

const SCRIPTS: Record<Algorithm, Script> = {
  'fixed-window': script(FIXED_WINDOW),
  'sliding-window': script(SLIDING_WINDOW),
  'token-bucket': script(TOKEN_BUCKET),
};
const RESET_SCRIPT = script(RESET);

const DOWN = new Set(['reconnecting', 'close', 'end']);

type Reply = [number, number, number, number];

const toResult = (reply: unknown): StoreResult => {
  const r = reply as Reply;
  return { allowed: r[0] === 1, remaining: r[1], resetAt: r[2], retryAfterMs: r[3] };
};

/**
 * A store on Redis (or Redis Cluster) that every process of the app shares. Each check is one
 * round trip running one Lua script by SHA (reloaded on NOSCRIPT), atomic under any
 * concurrency, timed by the Redis server's clock. Keys carry a hash tag (`ratelimit:{id:path}`)
 * so a script touches a single Cluster slot.
 *
 * @example
 * import { Redis } from 'ioredis';
 * import { createRateLimiter } from '@kit/rate-limiter';
 * import { redisStore } from '@kit/rate-limiter/redis';
 *
 * const redis = new Redis(process.env.REDIS_URL);
 * const limiter = createRateLimiter({ store: redisStore({ client: redis }) });
 */
export function redisStore(options: RedisStoreOptions): RateLimitStore {
  const client = options?.client;
  if (
    client === null ||
    typeof client !== 'object' ||
    typeof client.evalsha !== 'function' ||
    typeof client.eval !== 'function'
  ) {
    throw invalidOption('client', 'must be an ioredis Redis or Cluster instance', client);
  }

  const isNoScript = (error: unknown) =>
    error instanceof Error && error.message.startsWith('NOSCRIPT');

  // EVALSHA, falling back to EVAL (which also caches the script) after a restart or failover.
  // One promise layer on the hot path: the fallback lives in the rejection handler.
  function call(req: StoreRequest, dry: '0' | '1'): Promise<StoreResult> {
    const s = SCRIPTS[req.algorithm];
    if (s === undefined)
      return Promise.reject(invalidOption('algorithm', 'is unknown', req.algorithm));
    const { key, limit, periodMs, cost } = req;
    return client.evalsha(s.sha, 1, key, limit, periodMs, cost, dry).then(toResult, (error) => {
      if (!isNoScript(error)) throw error;
      return client.eval(s.source, 1, key, limit, periodMs, cost, dry).then(toResult);
    });
  }

  return {
    consume: (req) => call(req, '0'),
    peek: (req) => call(req, '1'),
    async reset({ key, periodMs }) {
      try {
        await client.evalsha(RESET_SCRIPT.sha, 1, key, periodMs);
      } catch (error) {
        if (!isNoScript(error)) throw error;
        await client.eval(RESET_SCRIPT.source, 1, key, periodMs);
      }
    },
    // ioredis queues commands while disconnected: once a connection is known lost, fail fast
    // instead of waiting on that queue. While (re)connecting the limiter's timeout bounds the wait.
    isReady: () => !DOWN.has(client.status),
  };
}
