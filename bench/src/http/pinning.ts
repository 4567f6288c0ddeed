import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

/** Which cores the servers and the load (wrk, Redis) run on, and how to undo it. */
export interface Pinning {
  /** `taskset -c` lists; undefined when not pinned. */
  server: string | undefined;
  load: string | undefined;
  /** One sentence for the report. */
  description: string;
  restore(): void;
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * With two or more cores and `taskset`: each server on the last core, wrk and a Redis server
 * the bench owns on the first. A single-threaded server then has one core to itself, as in a
 * one-vCPU container, and the load generator never takes its cycles; unpinned, wrk, Redis and
 * the server's GC threads move between both cores and every row's ceiling moves with them.
 */
export function pinCores(enabled: boolean, redisPid: number | undefined): Pinning {
  const none = (why: string): Pinning => ({
    server: undefined,
    load: undefined,
    description: `not pinned (${why})`,
    restore() {},
  });
  if (!enabled) return none('--no-pin');
  const count = cpus().length;
  if (count < 2) return none('one core');
  if (!hasTaskset()) return none('taskset not found');
  const server = String(count - 1);
  const load = '0';
  let restoreRedis = () => {};
  if (redisPid !== undefined) {
    const before = /affinity mask: (\S+)/.exec(
      execFileSync('taskset', ['-p', String(redisPid)], { encoding: 'utf8' }),
    )?.[1];
    execFileSync('taskset', ['-a', '-p', '-c', load, String(redisPid)], { stdio: 'ignore' });
    restoreRedis = () => {
      if (!before) return;
      try {
        execFileSync('taskset', ['-a', '-p', before, String(redisPid)], { stdio: 'ignore' });
      } catch {
        // The server is gone already: nothing to restore.
      }
    };
  }
  return {
    server,
    load,
    description:
      `each server pinned to CPU ${server}, wrk${redisPid !== undefined ? ' and Redis' : ''} ` +
      `to CPU ${load} (\`taskset\`)`,
    restore: restoreRedis,
  };
}
