import http from 'node:http';

/**
 * Sends exactly `count` GET requests to `port`, `connections` at a time on keep-alive sockets,
 * cycling through `paths`; resolves to how many did not answer 200. wrk runs for a time, not a
 * count: counting instructions per request needs the count.
 */
export async function exactLoad(
  port: number,
  paths: readonly string[],
  count: number,
  connections = 8,
): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  let sent = 0;
  let failed = 0;
  const one = (path: string) =>
    new Promise<void>((resolve, reject) => {
      const request = http.get({ host: '127.0.0.1', port, path, agent }, (response) => {
        if (response.statusCode !== 200) failed++;
        response.resume();
        response.once('end', resolve);
      });
      request.once('error', reject);
    });
  const worker = async () => {
    while (sent < count) {
      const path = paths[sent % paths.length] as string;
      sent++;
      await one(path);
    }
  };
  try {
    await Promise.all(Array.from({ length: connections }, worker));
  } finally {
    agent.destroy();
  }
  return failed;
}
