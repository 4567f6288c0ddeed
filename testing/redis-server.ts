import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A Redis server the tests can talk to, and how to let go of it. */
export interface TestRedis {
  url: string;
  /** Where the server came from, for the log line. */
  source: 'REDIS_URL' | 'redis-server' | 'testcontainers';
  /** Stops a server the tests started; a no-op for `REDIS_URL`. */
  stop(): Promise<void>;
}

/** A free loopback port, picked by the kernel. */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

function hasBinary(name: string): boolean {
  try {
    execFileSync(name, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a throwaway `redis-server` from PATH on a free loopback port (or `port`), with
 * persistence off and any extra `args`. Used by the global setup, by tests that must kill their
 * own server (outage tests), and for the nodes of a test Redis Cluster.
 */
export async function startRedisServer(
  options: { port?: number; args?: string[] } = {},
): Promise<TestRedis & { port: number; process: ChildProcess }> {
  const port = options.port ?? (await freePort());
  const child = spawn(
    'redis-server',
    [
      ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`redis-server did not start:\n${output}`)),
      10_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output}`));
    });
  });
  child.stdout?.removeAllListeners('data');
  child.stderr?.removeAllListeners('data');
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: child,
    source: 'redis-server',
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });
    },
  };
}

async function startContainer(): Promise<TestRedis | undefined> {
  try {
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer('redis:7-alpine')
      .withExposedPorts(6379)
      .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
      .start();
    return {
      url: `redis://${container.getHost()}:${container.getMappedPort(6379)}`,
      source: 'testcontainers',
      async stop() {
        await container.stop();
      },
    };
  } catch {
    // No reachable Docker engine: the caller reports how to get Redis.
    return undefined;
  }
}

/**
 * Finds a Redis server for the tests, in this order: `REDIS_URL`; a throwaway `redis-server`
 * from PATH; testcontainers when a Docker engine is reachable. Throws when there is none,
 * so a run never silently skips the Redis suites.
 */
export async function acquireTestRedis(): Promise<TestRedis> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) return { url: fromEnv, source: 'REDIS_URL', async stop() {} };
  if (hasBinary('redis-server')) return await startRedisServer();
  const container = await startContainer();
  if (container) return container;
  throw new Error(
    'No Redis for the tests. Set REDIS_URL=redis://host:port, install redis-server ' +
      '(apt-get install -y redis-server, brew install redis), or start a Docker engine for testcontainers.',
  );
}
