import { Redis, type RedisOptions } from 'ioredis';
import { startRedisServer } from '../../testing/redis-server.js';

/** The one Redis server of a run, and whether the bench owns it (and may flush it). */
export interface BenchRedis {
  url: string;
  /** True for the throwaway server the bench started; false for `REDIS_URL`. */
  owned: boolean;
  version: string;
  /** The throwaway server's process id (undefined for `REDIS_URL`): the HTTP section pins it. */
  pid: number | undefined;
  /** A fresh connection: each library under test gets its own, as an app would give it. */
  connect(options?: RedisOptions): Promise<Redis>;
  /**
   * Empties the server between sections: FLUSHALL on our own server; on `REDIS_URL` only the
   * keys the bench and its peers wrote (all start with `bench`).
   */
  clear(): Promise<void>;
  /**
   * Microseconds Redis has spent executing commands since the last stats reset, summed over
   * `INFO commandstats` (the INFO calls themselves left out). On a shared `REDIS_URL` server
   * other clients' commands count too.
   */
  commandUsec(): Promise<number>;
  /** Closes every connection handed out and stops a server the bench started. */
  close(): Promise<void>;
}

/**
 * `REDIS_URL` when set; otherwise a throwaway `redis-server` (no persistence) so a million
 * benchmark keys never land on the machine's shared server.
 */
export async function acquireBenchRedis(): Promise<BenchRedis> {
  const fromEnv = process.env.REDIS_URL;
  const server = fromEnv ? undefined : await startRedisServer();
  const url = fromEnv ?? (server?.url as string);
  if (server) {
    // Never leave the throwaway server behind, however the bench ends (Ctrl-C, a closed pipe).
    const child = server.process;
    process.once('exit', () => child.kill('SIGKILL'));
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => process.exit(130));
    }
  }
  const clients: Redis[] = [];

  async function connect(options: RedisOptions = {}): Promise<Redis> {
    const client = new Redis(url, { maxRetriesPerRequest: 3, ...options });
    clients.push(client);
    await client.ping();
    return client;
  }

  const probe = await connect();
  const info = await probe.info('server');
  const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';

  return {
    url,
    owned: server !== undefined,
    version,
    pid: server?.process.pid,
    connect,
    async commandUsec() {
      const stats = await probe.info('commandstats');
      let total = 0;
      for (const match of stats.matchAll(/^cmdstat_([^:]+):.*?usec=(\d+)/gm)) {
        if (match[1] !== 'info') total += Number(match[2]);
      }
      return total;
    },
    async clear() {
      if (server) await probe.flushall();
      else await deleteMatching(probe, 'bench*');
    },
    async close() {
      await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
      await server?.stop();
    },
  };
}

/** Deletes every key matching `pattern`, for a shared `REDIS_URL` server we must not flush. */
export async function deleteMatching(client: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== '0');
}
