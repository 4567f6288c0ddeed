import type { Redis } from 'ioredis';

/** Counts of an ioredis client's socket write calls, and how to stop counting. */
export interface SocketWrites {
  /** Chunks written alone (`_write`): one per command when nothing coalesces them. */
  writes: number;
  /** Batches written together (`_writev`): a corked socket's buffered commands. */
  batches: number;
  /** Both, zeroed. */
  reset(): void;
  /** Puts the socket's own methods back. */
  restore(): void;
}

/**
 * Counts the write calls the client's current socket makes from now on. The two methods are
 * the ones Node's Writable calls to put bytes on the wire, so the counts are the real writes.
 *
 * @example
 * const counts = countSocketWrites(client);
 * await Promise.all([client.ping(), client.ping()]);
 * counts.restore();
 */
export function countSocketWrites(client: Redis): SocketWrites {
  type Method = (...args: unknown[]) => unknown;
  const stream = client.stream as unknown as { _write: Method; _writev: Method };
  const own = { write: stream._write, writev: stream._writev };
  const counts: SocketWrites = {
    writes: 0,
    batches: 0,
    reset() {
      counts.writes = 0;
      counts.batches = 0;
    },
    restore() {
      stream._write = own.write;
      stream._writev = own.writev;
    },
  };
  stream._write = function (this: unknown, ...args) {
    counts.writes++;
    return own.write.apply(this, args);
  };
  stream._writev = function (this: unknown, ...args) {
    counts.batches++;
    return own.writev.apply(this, args);
  };
  return counts;
}
