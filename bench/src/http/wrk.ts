import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What one wrk run measured (its Lua `done()` line). */
export interface WrkResult {
  requests: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx/3xx answers, connect/read/write errors and timeouts. */
  errors: number;
  errorDetail: string;
}

interface DoneLine {
  requests: number;
  durationUs: number;
  errors: Record<'connect' | 'read' | 'write' | 'status' | 'timeout', number>;
  p50Us: number;
  p99Us: number;
}

const SCRIPT = fileURLToPath(new URL('./wrk-report.lua', import.meta.url));

/** Throws, saying how to install it, when there is no wrk on PATH. */
export function assertWrk(): string {
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if ((probe.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error(
      'The HTTP section drives its load with wrk, which is not on PATH: ' +
        'install it with `apt-get install wrk` (macOS: `brew install wrk`), ' +
        'or leave the section out with `--only rate-limit,cache,invalidation`.',
    );
  }
  // `wrk --version` prints its banner and exits 1.
  return /wrk (\S+)/.exec(`${probe.stdout}${probe.stderr}`)?.[1] ?? 'unknown version';
}

/**
 * One closed-loop wrk run from one thread with `connections` keep-alive connections against
 * 127.0.0.1:`port`, cycling through `paths`, for whole `seconds` (wrk takes no fractions).
 */
export async function runWrk(options: {
  port: number;
  paths: readonly string[];
  connections: number;
  seconds: number;
  cpus?: string;
}): Promise<WrkResult> {
  const wrk = [
    'wrk',
    '-t1',
    `-c${options.connections}`,
    `-d${Math.max(1, Math.round(options.seconds))}s`,
    '--timeout',
    '5s',
    '-s',
    SCRIPT,
    `http://127.0.0.1:${options.port}`,
    '--',
    ...options.paths,
  ];
  const [command, ...args] = options.cpus ? ['taskset', '-c', options.cpus, ...wrk] : wrk;
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(command as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`wrk exited with ${code}:\n${out}`)),
    );
  });
  const line = output.split('\n').find((l) => l.startsWith('{"requests"'));
  if (!line) throw new Error(`wrk printed no result line:\n${output}`);
  const done = JSON.parse(line) as DoneLine;
  const errors = Object.values(done.errors).reduce((a, b) => a + b, 0);
  return {
    requests: done.requests,
    reqPerSec: done.requests / (done.durationUs / 1e6),
    p50Ms: done.p50Us / 1000,
    p99Ms: done.p99Us / 1000,
    errors,
    errorDetail: Object.entries(done.errors)
      .filter(([, n]) => n > 0)
      .map(([kind, n]) => `${n} ${kind}`)
      .join(', '),
  };
}
