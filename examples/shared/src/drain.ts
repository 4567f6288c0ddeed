import type { Server } from 'node:http';

/**
 * Stops `server` accepting connections and waits for the requests it is serving to finish, at
 * most `deadlineMs`; then cuts what is left. Resolves `true` when every request finished.
 * Idle keep-alive connections are closed at once and as they become idle, so a client cannot
 * keep the server alive by reusing one.
 *
 * @example
 * const finished = await drainServer(server, 10_000);
 */
export function drainServer(server: Server, deadlineMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    const timer = setTimeout(() => {
      clearInterval(sweep);
      server.closeAllConnections();
      resolve(false);
    }, deadlineMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(timer);
      resolve(true);
    });
    server.closeIdleConnections();
  });
}
