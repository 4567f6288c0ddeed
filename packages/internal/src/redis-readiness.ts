import type { Cluster, Redis } from 'ioredis';

/** Whether a store should send a command now. */
export type Readiness = 'ready' | 'wait' | 'down';

/** Statuses in which the client has lost (or given up) its connection. */
const LOST = new Set(['reconnecting', 'close', 'end']);

/**
 * The one ioredis readiness policy of both packages, per client:
 * - `ready`: connected, send.
 * - `wait`: the client has never been ready yet (`wait` of `lazyConnect`, or the first
 *   `connecting`): send, and let the caller's timeout bound the wait in ioredis's offline
 *   queue. A process that just started answers its first requests with the store, instead of
 *   bypassing it for as long as the connection takes to open.
 * - `down`: the client was ready once and is not now, or is reconnecting or closed: the server
 *   is known to be unreachable, so every call would wait its whole timeout for nothing.
 *   Fail at once and apply the outage policy.
 *
 * @example
 * const readiness = redisReadiness(client);
 * if (readiness() === 'down') throw unavailable();
 */
export function redisReadiness(client: Redis | Cluster): () => Readiness {
  let everReady = false;
  return () => {
    const status = client.status;
    if (status === 'ready') {
      everReady = true;
      return 'ready';
    }
    return everReady || LOST.has(status) ? 'down' : 'wait';
  };
}
