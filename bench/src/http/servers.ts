import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Variant } from './catalog.js';
import type { DriverMessage, ServerMessage } from './server.js';

/** A running variant server, as the driver talks to it. */
export interface ServerHandle {
  variant: Variant;
  port: number;
  pid: number;
  /**
   * The server process's CPU time (user + system, all threads), µs, and how many lines our
   * packages have logged so far; `gc` collects first.
   */
  cpu(gc?: boolean): Promise<{ us: number; logged: number }>;
  stop(): Promise<void>;
}

/** How server processes are started. */
export interface SpawnOptions {
  redisUrl: string;
  /** Runs the server under `taskset -c <cpus>` (all its threads inherit it). */
  cpus?: string;
  /** Writes V8 CPU profiles of each server under here when it exits (`node --cpu-prof`). */
  cpuProfDir?: string;
  /** A command and its arguments that run the server's `node` (valgrind, for one). */
  wrapper?: readonly string[];
  /** How long the server may take to listen; default 30 s. */
  startTimeoutMs?: number;
}

const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));
const BENCH_DIR = fileURLToPath(new URL('../..', import.meta.url));
const START_TIMEOUT_MS = 30_000;

// Whatever ends the bench, no server is left behind.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Starts the server of `variant`; resolves to its handle, or to why it is not available. */
export async function startServer(
  variant: Variant,
  options: SpawnOptions,
): Promise<ServerHandle | { unavailable: string }> {
  const node = [
    '--expose-gc',
    '--import',
    'tsx',
    // A directory per server, default file names: tsx's loader thread writes a profile too,
    // and one --cpu-prof-name for both threads would let it overwrite the main thread's.
    ...(options.cpuProfDir
      ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}/${variant.framework}-${variant.id}`]
      : []),
    SERVER,
    variant.framework,
    variant.id,
  ];
  const wrapped = [...(options.wrapper ?? []), process.execPath, ...node];
  const [command, ...args] = options.cpus ? ['taskset', '-c', options.cpus, ...wrapped] : wrapped;
  const child = spawn(command as string, args as string[], {
    cwd: BENCH_DIR,
    env: { ...process.env, BENCH_REDIS_URL: options.redisUrl },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));

  const first = await nextMessage(child, options.startTimeoutMs ?? START_TIMEOUT_MS).catch(
    (error: Error) => ({
      type: 'failed' as const,
      reason: error.message,
    }),
  );
  if (first.type !== 'ready') {
    child.kill('SIGKILL');
    const reason = 'reason' in first ? first.reason : `unexpected ${first.type}`;
    return { unavailable: first.type === 'unavailable' ? reason : `failed to start: ${reason}` };
  }

  let queue = Promise.resolve({ us: 0, logged: 0 });
  return {
    variant,
    port: first.port,
    pid: first.pid,
    cpu(gc = false) {
      // One question at a time on the channel, so each answer matches its question.
      queue = queue.then(async () => {
        send(child, { type: 'cpu', gc });
        const answer = await nextMessage(child, 10_000);
        if (answer.type !== 'cpu') throw new Error(`expected cpu, got ${answer.type}`);
        return { us: answer.us, logged: answer.logged };
      });
      return queue;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      send(child, { type: 'stop' });
      // A CPU profile is written on a clean exit; give it time, then stop waiting.
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function send(child: ChildProcess, message: DriverMessage): void {
  child.send(message);
}

function nextMessage(child: ChildProcess, timeoutMs: number): Promise<ServerMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ServerMessage) => {
      cleanup();
      resolve(message);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`server exited (code ${code}) before answering`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no answer from the server within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}
