import type { Cluster, Redis } from 'ioredis';

type Stream = Redis['stream'];

const nothing = (): void => {};

/**
 * Taken when this module loads: a fake-timer library installed later (vitest's, jest's,
 * sinon's) replaces `process.nextTick` on the global, and a faked one would never run, leaving
 * the client's socket corked for every user of it.
 */
const nextTick = process.nextTick;

/** Past this many buffered bytes, a tick's batch is written at once instead of at its end. */
const FLUSH_BYTES = 1 << 20;

/** Every socket corked now, so `process.exit()` in the same tick still writes their commands. */
const corkedNow = new Set<Stream>();
let exitHooked = false;
function flushAtExit(): void {
  for (const stream of corkedNow) stream.uncork();
  corkedNow.clear();
}

/**
 * Makes the commands sent in one tick (the synchronous code and the promise callbacks that run
 * before Node turns to I/O again) leave in one socket write: the first command of a tick corks
 * the client's socket and a `process.nextTick` uncorks it. Redis then reads them in one read,
 * and Node makes one write call instead of one per command.
 *
 * Why no later than the tick: holding commands until `setImmediate` (the end of the event loop
 * turn) would batch every request that arrived together, but a command would then wait behind
 * the turn's other I/O callbacks, however long they take, before it is even sent: measured to
 * add one turn of latency under CPU-heavy handlers, and to miss `storeTimeout`.
 *
 * Every command still goes through ioredis, in order, each with its own reply; only the write
 * is shared, so nothing is reordered, on this store or on anything else that uses the client.
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
  let corked: Stream | null = null;
  const uncork = (): void => {
    const stream = corked;
    corked = null;
    if (stream === null) return;
    corkedNow.delete(stream);
    stream.uncork();
  };
  return () => {
    if (corked !== null) {
      // A burst of large values: write what is buffered now rather than hold it all.
      if (corked.writableLength > FLUSH_BYTES) {
        corked.uncork();
        corked.cork();
      }
      return;
    }
    if (redis.status !== 'ready') return;
    const stream = redis.stream;
    if (typeof stream?.cork !== 'function') return;
    if (!exitHooked) {
      exitHooked = true;
      process.once('exit', flushAtExit);
    }
    corked = stream;
    corkedNow.add(stream);
    stream.cork();
    nextTick(uncork);
  };
}
