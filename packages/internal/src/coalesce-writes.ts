import type { Cluster, Redis } from 'ioredis';

const nothing = (): void => {};

/**
 * Makes the commands sent in one turn of the event loop leave in one socket write: the first
 * command of a turn corks the client's socket, and a `setImmediate` (which runs once the turn's
 * I/O callbacks are done) uncorks it. Redis then reads them in one read, and Node makes one
 * write call instead of one per command: under load, most of Redis's CPU per command is its
 * socket reads and writes, not the command.
 *
 * Why a whole turn and not a `process.nextTick`: an HTTP server handles each request in a
 * callback of its own, so a tick holds one request's command; a turn holds every request that
 * arrived together. Every command still goes through ioredis, in order, each with its own
 * reply; only the write is shared, so nothing is reordered, on this store or on anything else
 * that uses the client. Unlike ioredis's `enableAutoPipelining`, a new turn's commands do not
 * wait for the previous batch's replies.
 *
 * A `Cluster` (whose node a command goes to is not known before it is sent) and a client that
 * is not connected (its commands wait in ioredis's offline queue, not on a socket) are left as
 * they are.
 *
 * @returns a function to call before each command is sent.
 * @example
 * const beforeSend = coalesceWrites(client);
 * beforeSend();
 * await client.evalsha(sha, 1, key);
 */
export function coalesceWrites(client: Redis | Cluster): () => void {
  if (client.isCluster) return nothing;
  const redis = client as Redis;
  let corked: Redis['stream'] | null = null;
  const uncork = (): void => {
    const stream = corked;
    corked = null;
    stream?.uncork();
  };
  return () => {
    if (corked !== null || redis.status !== 'ready') return;
    const stream = redis.stream;
    if (typeof stream?.cork !== 'function') return;
    corked = stream;
    stream.cork();
    setImmediate(uncork);
  };
}
