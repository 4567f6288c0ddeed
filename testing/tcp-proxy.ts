import { createServer, type Server, Socket } from 'node:net';

/** A loopback TCP proxy in front of a server, whose link the test can break for real. */
export interface TcpProxy {
  /** The proxy's own port on 127.0.0.1: connect here instead of to the target. */
  port: number;
  /** `redis://127.0.0.1:<port>`, for Redis targets. */
  url: string;
  /** Destroys every open connection and refuses new ones (accepted, then closed at once). */
  cut(): void;
  /** Holds every byte in both directions, connections left open: a frozen link or server. */
  freeze(): void;
  /** Undoes `cut` or `freeze`: held bytes flow on, new connections are proxied again. */
  restore(): void;
  /** Connections proxied now. */
  readonly connections: number;
  close(): Promise<void>;
}

type State = 'open' | 'cut' | 'frozen';

/**
 * Starts a proxy on a free loopback port forwarding to `target`. Faults are made on real
 * sockets (no mock of the server's protocol), so a client sees exactly what it would see when
 * a network link breaks or stalls.
 *
 * @example
 * ```ts
 * const proxy = await startTcpProxy({ host: '127.0.0.1', port: 6379 });
 * const client = new Redis(proxy.url);
 * proxy.cut(); // the client sees its connection drop, and cannot reconnect
 * proxy.restore();
 * ```
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let state: State = 'open';
  const pairs = new Set<[Socket, Socket]>();

  const server: Server = createServer((inbound) => {
    if (state === 'cut') {
      inbound.destroy();
      return;
    }
    const outbound = new Socket();
    const pair: [Socket, Socket] = [inbound, outbound];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      held.delete(inbound);
      held.delete(outbound);
      inbound.destroy();
      outbound.destroy();
    };
    for (const socket of pair) {
      socket.on('error', drop);
      socket.on('close', drop);
    }
    outbound.connect(target.port, target.host);
    forward(inbound, outbound);
    forward(outbound, inbound);
  });

  // Bytes held while frozen, per destination, sent in order on restore.
  const held = new Map<Socket, Buffer[]>();
  const forward = (from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => {
      if (state === 'frozen') {
        const queue = held.get(to);
        if (queue) queue.push(chunk);
        else held.set(to, [chunk]);
      } else if (!to.destroyed) {
        to.write(chunk);
      }
    });
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('tcp proxy: no port');

  return {
    port: address.port,
    url: `redis://127.0.0.1:${address.port}`,
    get connections() {
      return pairs.size;
    },
    cut() {
      state = 'cut';
      for (const [inbound, outbound] of [...pairs]) {
        inbound.destroy();
        outbound.destroy();
      }
      pairs.clear();
      held.clear();
    },
    freeze() {
      state = 'frozen';
    },
    restore() {
      state = 'open';
      for (const [to, chunks] of held)
        if (!to.destroyed) for (const chunk of chunks) to.write(chunk);
      held.clear();
    },
    async close() {
      for (const [inbound, outbound] of pairs) {
        inbound.destroy();
        outbound.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
