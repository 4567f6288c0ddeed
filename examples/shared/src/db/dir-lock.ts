import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Claims a PGlite data directory for this process with a pid file, so a second server (or
 * `pnpm create-tier` while the server runs) fails with a clear message instead of corrupting it.
 * A lock left by a process that no longer exists is taken over.
 */
export async function lockDirectory(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const lockFile = join(dir, '.kit-example.lock');
  const holder = Number(await readFile(lockFile, 'utf8').catch(() => ''));
  if (holder && holder !== process.pid && isAlive(holder)) {
    throw new Error(
      `The embedded database in ${dir} is in use by process ${holder}. Stop that process first, ` +
        'or set PGLITE_DIR to another directory (or DATABASE_URL to a PostgreSQL server).',
    );
  }
  await writeFile(lockFile, String(process.pid));
  return () => rm(lockFile, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
