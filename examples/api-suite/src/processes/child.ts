import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The workspace root: children run from here, where `tsx` and `.env` are found. */
export const workspaceRoot: string = fileURLToPath(new URL('../../../../', import.meta.url));

/** The `pnpm worker` script, run directly so the test owns the process (no pnpm in between). */
export const workerEntry: string = fileURLToPath(
  new URL('../../../shared/src/scripts/worker.ts', import.meta.url),
);

/** A TypeScript entry point running in a child process of its own. */
export interface Child {
  process: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Its exit code (`null` when killed by a signal). */
  exited: Promise<number | null>;
  /** Sends `signal` and waits for the exit, at most `limitMs`, else kills it. */
  stop(signal?: NodeJS.Signals, limitMs?: number): Promise<{ code: number | null; ms: number }>;
}

/**
 * Runs `entry` with tsx in a child process with exactly `env` (over PATH and HOME), and waits
 * until its output matches `ready` (a server's URL, the worker's banner).
 */
export async function startChild(
  entry: string,
  env: Record<string, string>,
  ready: RegExp,
  limitMs = 60_000,
): Promise<Child & { match: RegExpMatchArray }> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: workspaceRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} not ready after ${limitMs} ms:\n${output.slice(-4000)}`));
    }, limitMs);
    const read = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const found = output.match(ready);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(
        new Error(`${entry} exited with ${code} before it was ready:\n${output.slice(-4000)}`),
      );
    });
  });
  return {
    process: child,
    match,
    output: () => output,
    exited,
    async stop(signal = 'SIGTERM', stopLimitMs = 20_000) {
      const started = Date.now();
      if (child.exitCode !== null || child.signalCode !== null) {
        return { code: child.exitCode, ms: 0 };
      }
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), stopLimitMs);
      const code = await exited;
      clearTimeout(timer);
      return { code, ms: Date.now() - started };
    },
  };
}

/** Starts an app's server entry on 127.0.0.1, port 0; resolves with its base URL. */
export async function startServerProcess(entry: string, env: Record<string, string>) {
  const child = await startChild(
    entry,
    { PORT: '0', HOST: '127.0.0.1', ...env },
    /listening on (http:\/\/127\.0\.0\.1:\d+)/,
  );
  return { ...child, baseUrl: child.match[1] as string };
}

/** Starts `pnpm worker`'s script; resolves once it consumes the queue. */
export function startWorkerProcess(env: Record<string, string>) {
  return startChild(workerEntry, env, /Kit example worker: running tasks/);
}
