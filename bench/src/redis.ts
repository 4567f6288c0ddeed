import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
  /**
   * Microseconds of CPU (user + system, all its threads) the Redis server process has used so
   * far, from `/proc/<pid>/stat`: command execution and the socket I/O around it. Only for the
   * throwaway server on Linux; `undefined` otherwise (callers fall back to `commandUsec`).
   */
  processCpuUs: (() => number) | undefined;
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
    processCpuUs: server?.process.pid === undefined ? undefined : processCpu(server.process.pid),
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

/**
 * A reader of `pid`'s CPU time in microseconds, or `undefined` where `/proc` cannot tell it. The
 * clock tick (`getconf CLK_TCK`, usually 100 Hz) makes it 10 ms coarse: a 1.5 s round of a busy
 * server spends hundreds of ticks, so the error stays under 1%.
 */
function processCpu(pid: number): (() => number) | undefined {
  const path = `/proc/${pid}/stat`;
  let tickUs: number;
  try {
    readFileSync(path);
    tickUs = 1e6 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  } catch {
    return undefined;
  }
  if (!Number.isFinite(tickUs)) return undefined;
  return () => {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * tickUs;
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
