import type { Cluster, Redis } from 'ioredis';
import { invalidOption } from '../errors.js';
import type { RateLimitStore } from '../types.js';
import { createRedisStore } from './redis-store.js';

/** Options of `redisStore`. */
export interface RedisStoreOptions {
  /** The app's own ioredis `Redis` or `Cluster`. The store never closes it. */
  client: Redis | Cluster;
}

/**
 * A store on Redis (or Redis Cluster) that every process of the app shares. Each check is one
 * round trip running one Lua script by SHA (reloaded on NOSCRIPT), atomic under any
 * concurrency, timed by the Redis server's clock. Keys carry a hash tag (`ratelimit:{id:path}`)
 * so a script touches a single Cluster slot. The checks of one tick leave in one
 * socket write (a `Cluster` client excepted), so the client needs no `enableAutoPipelining`.
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
    throw invalidOption('client', 'must be an ioredis Redis or Cluster instance', {
      value: client,
      scope: 'redis',
    });
  }

  return createRedisStore(client, Date.now);
}
