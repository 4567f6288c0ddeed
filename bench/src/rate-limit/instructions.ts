/**
 * `pnpm --filter ./bench bench:rate-limit:instructions`: instructions per operation of the
 * in-memory rate-limit rows, counted by valgrind's callgrind on the main thread of one process
 * per row. The throughput rows of these run about 0.3-0.7 µs per operation, where a neighbour's
 * load on a shared VM moves a round by more than the targets' margins; an instruction count
 * does not move with it. Per row: warm up `--warm` operations, then `--windows` windows of
 * `--window` operations between a zero and a dump of the counters; the median of the windows
 * but the first two, as in the HTTP instruction counts.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  argValue,
  callgrindWrapper,
  dumpInstructions,
  hasValgrind,
  SETTLING_WINDOWS,
  settled,
  writeResult,
  zeroCounters,
} from '../http/callgrind.js';
import { PROBE_ROWS, type ProbeMessage, type ProbeRow } from './probe.js';

const flag = argValue;
const quick = process.argv.includes('--quick');
const settings = {
  warm: Number(flag('--warm', quick ? '20000' : '300000')),
  window: Number(flag('--window', quick ? '10000' : '100000')),
  windows: Number(flag('--windows', quick ? '3' : '5')),
  keySpace: Number(flag('--keys', '10000')),
  rows: process.argv.includes('--rows') ? flag('--rows', '').split(',') : undefined,
};
const PROBE = fileURLToPath(new URL('./probe.ts', import.meta.url));
const BENCH_DIR = fileURLToPath(new URL('../..', import.meta.url));

const LABELS: Record<ProbeRow, string> = {
  'ours-memory-store': '@kit/rate-limiter memoryStore (store.consume(), fixed window)',
  'ours-memory-store-3w': '@kit/rate-limiter memoryStore, three windows',
  'ours-memory-check': '@kit/rate-limiter check() on memoryStore ({ path, ip })',
  'ours-memory-check-user':
    '@kit/rate-limiter check() of a user (tier rule from resolveRule, identity made per check)',
  'ours-memory-check-user-default':
    '@kit/rate-limiter check() of a user with no resolveRule (the default rule, per tier)',
  'ours-memory-check-controls': '@kit/rate-limiter check(), controls on',
  'ours-memory-check-3w': '@kit/rate-limiter check(), three windows',
  rlm: 'rate-limiter-flexible RateLimiterMemory (limiter.consume(key))',
};

function next(child: ChildProcess): Promise<ProbeMessage> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`probe exited (${code})`));
    child.once('exit', onExit);
    child.once('message', (message: ProbeMessage) => {
      child.off('exit', onExit);
      resolve(message);
    });
  });
}

async function count(row: ProbeRow, dir: string): Promise<number[]> {
  const [valgrind, ...args] = callgrindWrapper(dir, row, true);
  const child = fork(PROBE, [row, String(settings.keySpace)], {
    cwd: BENCH_DIR,
    execPath: valgrind,
    execArgv: [...args, process.execPath, '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    await next(child);
    const run = async (n: number) => {
      const done = next(child);
      child.send({ run: n });
      await done;
    };
    await run(settings.warm);
    const windows: number[] = [];
    for (let w = 0; w < settings.windows; w++) {
      await zeroCounters(child.pid!);
      await run(settings.window);
      windows.push((await dumpInstructions(dir, row, child.pid!, true)) / settings.window);
    }
    return windows;
  } finally {
    child.kill('SIGKILL');
  }
}

if (!(await hasValgrind())) {
  console.error('valgrind is not on PATH (apt-get install valgrind): cannot count instructions');
  process.exit(1);
}
const dir = await mkdtemp(join(tmpdir(), 'kit-bench-rl-callgrind-'));
const started = Date.now();
try {
  // RateLimiterMemory always: every ratio is to it.
  const rows = (Object.keys(PROBE_ROWS) as ProbeRow[]).filter(
    (row) => settings.rows === undefined || settings.rows.includes(row) || row === 'rlm',
  );
  const perOp = new Map<ProbeRow, { median: number; windows: number[]; spread: number }>();
  for (const row of rows) {
    const windows = await count(row, dir);
    const { median, spread } = settled(windows);
    perOp.set(row, { median, windows, spread });
    console.error(`${row}: ${Math.round(median)} [${windows.map(Math.round).join(', ')}]`);
  }
  const rlm = perOp.get('rlm')!.median;
  const lines = [
    `${new Date().toISOString()} · Node ${process.version} · valgrind callgrind (main thread only) · ${settings.keySpace} keys · warm-up ${settings.warm} operations, ${settings.windows} windows of ${settings.window}, median of all but the first ${SETTLING_WINDOWS} · ${Math.round((Date.now() - started) / 1000)} s`,
    '',
    '| Row | instructions/op | windows | spread | vs RateLimiterMemory |',
    '| --- | ---: | --- | ---: | ---: |',
    ...rows.map((row) => {
      const r = perOp.get(row)!;
      return `| ${LABELS[row]} | ${Math.round(r.median).toLocaleString('en-US')} | ${r.windows.map(Math.round).join(', ')} | ${(r.spread * 100).toFixed(1)}% | ${(rlm / r.median).toFixed(2)}x |`;
    }),
    '',
    '#### Targets (in-memory checks, by instructions)',
    '',
    ...(['ours-memory-check', 'ours-memory-check-user'] as const).flatMap((row) => {
      const r = perOp.get(row);
      if (r === undefined) return [];
      const ratio = rlm / r.median;
      return `- **${ratio >= 1.2 ? 'PASS' : 'FAIL'}** ${LABELS[row]} / RateLimiterMemory: ${ratio.toFixed(2)}x (target >= 1.2x)`;
    }),
    '',
  ];
  const text = lines.join('\n');
  await writeResult('rl-instructions', quick, text);
} finally {
  await rm(dir, { recursive: true, force: true });
}
