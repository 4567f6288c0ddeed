import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A server listening on a loopback port, as the tests reach it. */
export interface Listening {
  port: number;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Closes the server and the connections keep-alive left open. */
  close(): Promise<void>;
}

/**
 * Waits for `server` (started on port 0 of 127.0.0.1) to listen: what every test that goes
 * through a real socket needs, written once.
 *
 * @example
 * const { base, close } = await listening(app.listen(0, '127.0.0.1'));
 */
export async function listening(server: Server): Promise<Listening> {
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
