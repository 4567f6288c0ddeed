import { connect, createServer, type Server, type Socket } from 'node:net';

/** How the proxy treats the link: pass bytes, hold them, or refuse and drop every connection. */
export type LinkState = 'open' | 'frozen' | 'cut';

/** A loopback TCP proxy between an app and a server, whose link a test can break. */
export interface TcpProxy {
  /** `127.0.0.1` port the proxy listens on. */
  port: number;
  /** The link as it is now. */
  state: LinkState;
  /**
   * Stops forwarding in both directions, as a hung server or a silent network partition does:
   * connections stay open, bytes wait; new connections are accepted and get no answer.
   */
  freeze(): void;
  /** Drops every connection and resets new ones, as a server that went down does. */
  cut(): void;
  /** Forwards again; bytes held while frozen are delivered. */
  restore(): void;
  /** Delays every chunk by `ms` in both directions (0 for none): a slow database. */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

interface Link {
  client: Socket;
  upstream: Socket;
}

/**
 * Starts a proxy on 127.0.0.1 (port 0) that forwards to `target`. Faults are real: the app's
 * driver sees frozen or reset TCP connections, not a mocked error.
 *
 * @example
 * const proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
 * proxy.freeze(); // every query through proxy.port now hangs until restore()
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const links = new Set<Link>();
  let state: LinkState = 'open';
  let latencyMs = 0;

  // Bytes read while frozen, per destination, delivered in order on restore.
  const held = new Map<Socket, Buffer[]>();
  const deliver = (to: Socket, chunk: Buffer) => {
    if (state === 'frozen') {
      held.set(to, [...(held.get(to) ?? []), chunk]);
    } else if (!to.destroyed) {
      to.write(chunk);
    }
  };
  const pipe = (from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => {
      // Pausing the reader while frozen leaves further bytes in the kernel, as a stalled peer does.
      if (state === 'frozen') from.pause();
      if (latencyMs > 0) setTimeout(() => deliver(to, chunk), latencyMs);
      else deliver(to, chunk);
    });
  };

  const server: Server = createServer((client) => {
    if (state === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    const link = { client, upstream };
    links.add(link);
    const drop = () => {
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    if (state === 'frozen') {
      client.pause();
      upstream.pause();
    }
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');

  const proxy: TcpProxy = {
    port: address.port,
    get state() {
      return state;
    },
    freeze() {
      state = 'frozen';
      for (const { client, upstream } of links) {
        client.pause();
        upstream.pause();
      }
    },
    cut() {
      state = 'cut';
      for (const { client, upstream } of links) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      links.clear();
      held.clear();
    },
    restore() {
      state = 'open';
      for (const [to, chunks] of held)
        for (const chunk of chunks) if (!to.destroyed) to.write(chunk);
      held.clear();
      for (const { client, upstream } of links) {
        client.resume();
        upstream.resume();
      }
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    async close() {
      proxy.cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
