import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { median } from '../stats.js';

const run = promisify(execFile);

/**
 * Runs a server's `node` under callgrind, its dumps named `<dir>/<name>.<pid>[.<n>]`. With
 * `mainThread`, each thread is counted apart (`.<n>-<thread>`) and only the main thread is read:
 * V8's background compiler and GC helpers then count nowhere, where with every thread summed a
 * window in which the compiler happens to run reads far higher than the next.
 */
export function callgrindWrapper(dir: string, name: string, mainThread = false): string[] {
  return [
    'valgrind',
    '--tool=callgrind',
    '--quiet',
    `--callgrind-out-file=${join(dir, name)}.%p`,
    // V8 writes and rewrites machine code in memory that maps no file.
    '--smc-check=all-non-file',
    // Counts only; nothing per function is read.
    '--dump-line=no',
    ...(mainThread ? ['--separate-threads=yes'] : []),
  ];
}

/** Sets the process's instruction counters to zero. */
export async function zeroCounters(pid: number): Promise<void> {
  await run('callgrind_control', ['--zero', String(pid)]);
}

/** Dumps the process's counters and returns the instructions executed since the last zero. */
export async function dumpInstructions(
  dir: string,
  name: string,
  pid: number,
  mainThread = false,
): Promise<number> {
  await run('callgrind_control', ['--dump', String(pid)]);
  const prefix = `${name}.${pid}.`;
  // `<n>` alone, or `<n>-01` (the main thread) when threads are counted apart.
  const part = (file: string) => Number.parseInt(file.slice(prefix.length), 10);
  const dumps = (await readdir(dir))
    .filter((file) => file.startsWith(prefix) && (!mainThread || file.endsWith('-01')))
    .sort((a, b) => part(a) - part(b));
  const last = dumps.at(-1);
  if (last === undefined) throw new Error(`callgrind wrote no dump for ${name} (pid ${pid})`);
  const text = await readFile(join(dir, last), 'utf8');
  const total = /^(?:totals|summary): (\d+)/m.exec(text)?.[1];
  if (total === undefined) throw new Error(`no instruction total in ${last}`);
  return Number(total);
}

/** Whether valgrind is on PATH. */
export async function hasValgrind(): Promise<boolean> {
  try {
    await run('valgrind', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/**
 * Windows left out of the median: the first two after the warm-up read higher (by 40% and 10%
 * on Fastify's bare app), however long the warm-up (3,000, 6,000 or 16,000 requests); from the
 * third on the windows agree within a few percent.
 */
export const SETTLING_WINDOWS = 2;

/** The median per operation of the settled windows, and their spread ((max − min) / median). */
export function settled(windows: readonly number[]): { median: number; spread: number } {
  const kept =
    windows.length > SETTLING_WINDOWS ? windows.slice(SETTLING_WINDOWS) : windows.slice(-1);
  const middle = median(kept);
  return { median: middle, spread: (Math.max(...kept) - Math.min(...kept)) / middle };
}

/** The value after `--name` on the command line, or `fallback`. */
export function argValue(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : (process.argv[at + 1] ?? fallback);
}

/**
 * Prints a run's table and keeps it as `bench/results/<name>.md` (`<name>-quick.md` for a
 * `--quick` run, which the docs never take).
 */
export async function writeResult(name: string, quick: boolean, text: string): Promise<void> {
  console.log(text);
  const results = new URL('../../results/', import.meta.url);
  await mkdir(results, { recursive: true });
  await writeFile(new URL(`${name}${quick ? '-quick' : ''}.md`, results), text);
}
