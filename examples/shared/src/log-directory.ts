import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Log directories claimed by contexts of this process (a lock file cannot tell them apart). */
const claimed = new Set<string>();
let sequence = 0;

const LOCK_FILE = '.kit-example-log.lock';
/** Directories of instances that have exited, kept for reading; older ones are removed. */
const KEPT_EXITED = 5;

/** Where one app instance writes its log, and how to give the place back. */
export interface LogPlacement {
  /** The `LOG_FILE` this instance writes: the configured one, or one in its own directory. */
  file: string;
  /** `true` when another live instance holds the configured directory. */
  moved: boolean;
  release(): void;
}

/**
 * Claims the directory of `file` for this instance's rotating log. pino-roll keeps ONE
 * `current.log` link per directory and numbers files by what the directory holds, so two
 * instances writing into one directory would take each other's link and file numbers. The first
 * instance gets the configured place; any other one alive at the same time (another process, or
 * another context of this one) writes into `<dir>/instance-<pid>-<n>/` with its own
 * `current.log` and `app.log` link. A lock left by a process that is gone is taken over.
 */
export function claimLogDirectory(file: string): LogPlacement {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, LOCK_FILE);
  if (!claimed.has(dir) && !heldByAnotherProcess(lock)) {
    claimed.add(dir);
    writeFileSync(lock, String(process.pid));
    return {
      file,
      moved: false,
      release: () => {
        claimed.delete(dir);
        if (!heldByAnotherProcess(lock)) rmSync(lock, { force: true });
      },
    };
  }
  pruneExited(dir);
  sequence += 1;
  const own = join(dir, `instance-${process.pid}-${sequence}`);
  mkdirSync(own, { recursive: true });
  return { file: join(own, basename(file)), moved: true, release: () => {} };
}

function heldByAnotherProcess(lock: string): boolean {
  let holder: number;
  try {
    holder = Number(readFileSync(lock, 'utf8'));
  } catch {
    return false;
  }
  return Boolean(holder) && holder !== process.pid && isAlive(holder);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Keeps the newest few directories of exited instances, so they cannot pile up forever. */
function pruneExited(dir: string): void {
  try {
    const exited = readdirSync(dir)
      .map((name) => ({ name, pid: Number(/^instance-(\d+)-\d+$/.exec(name)?.[1]) }))
      .filter(({ pid }) => pid && pid !== process.pid && !isAlive(pid))
      .map(({ name }) => ({ path: join(dir, name), mtime: statSync(join(dir, name)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const { path } of exited.slice(KEPT_EXITED))
      rmSync(path, { recursive: true, force: true });
  } catch {
    // Pruning is housekeeping: a race with another instance must not stop the start.
  }
}
