/**
 * `pnpm --filter ./bench bench:http:instructions`: instructions per request of each HTTP bench
 * server, counted by valgrind's callgrind. Time on a shared VM moves with its neighbours (the
 * wrk section's rounds spread 25-160%); an instruction count does not, so this is the section
 * whose ratios hold from one run to the next. It counts the server process's main thread only
 * (JavaScript and the GC work done there), not V8's background compiler and GC helper threads
 * (`--all-threads` counts them too: a window in which the compiler happens to run then reads far
 * higher), not Redis, not the load generator.
 *
 * Per server: start under callgrind, check its answers (preflight), send `--warm` requests so
 * the JIT settles, then `--windows` windows of `--window` requests, each between a zero and a
 * dump of the counters. Reported: the median over the windows but the first two (still
 * settling), per request, and their spread. Servers run `--parallel` at a time (counts do not
 * depend on it).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireBenchRedis } from '../redis.js';
import {
  argValue,
  callgrindWrapper,
  dumpInstructions,
  hasValgrind,
  SETTLING_WINDOWS,
  settled,
  writeResult,
  zeroCounters,
} from './callgrind.js';
import { catalog, FRAMEWORKS, type Framework, pathsOf, type Variant } from './catalog.js';
import { exactLoad } from './exact-load.js';
import { preflight } from './preflight.js';
import { startServer } from './servers.js';

interface Counted {
  variant: Variant;
  perRequest?: number;
  windows: number[];
  /** (max − min) / median of the windows reported. */
  spread?: number;
  problem?: string;
}

const flag = argValue;
const quick = process.argv.includes('--quick');
const settings = {
  frameworks: flag('--framework', FRAMEWORKS.join(',')).split(',') as Framework[],
  variants: process.argv.includes('--variant') ? flag('--variant', '').split(',') : undefined,
  warm: Number(flag('--warm', quick ? '500' : '6000')),
  window: Number(flag('--window', quick ? '300' : '1500')),
  windows: Number(flag('--windows', quick ? '3' : '5')),
  parallel: Number(flag('--parallel', '2')),
  all: process.argv.includes('--all'),
  mainThread: !process.argv.includes('--all-threads'),
};

/** The rows the targets read (bare, no-op, ours and the peers); `--all` adds our references. */
function selected(): Variant[] {
  const all = catalog(settings.frameworks);
  const wanted = settings.variants;
  if (wanted) {
    // Each chosen row with its framework's bare app of the same section, to compare with.
    const sections = new Set(all.filter((v) => wanted.includes(v.id)).map((v) => v.section));
    return all.filter(
      (v) => wanted.includes(v.id) || (v.role === 'bare' && sections.has(v.section)),
    );
  }
  return all.filter((v) => settings.all || v.role !== 'reference' || v.impl.startsWith('noop'));
}

async function count(variant: Variant, redisUrl: string, dir: string): Promise<Counted> {
  const name = `${variant.framework}-${variant.id}`;
  const server = await startServer(variant, {
    redisUrl,
    wrapper: callgrindWrapper(dir, name, settings.mainThread),
    startTimeoutMs: 300_000,
  });
  if ('unavailable' in server) return { variant, windows: [], problem: server.unavailable };
  try {
    const checked = await preflight(server);
    if (checked.problem) return { variant, windows: [], problem: checked.problem };
    const paths = pathsOf(variant.section);
    await exactLoad(server.port, paths, settings.warm);
    const windows: number[] = [];
    let failed = 0;
    for (let i = 0; i < settings.windows; i++) {
      await zeroCounters(server.pid);
      failed += await exactLoad(server.port, paths, settings.window);
      windows.push(
        (await dumpInstructions(dir, name, server.pid, settings.mainThread)) / settings.window,
      );
    }
    const { median: perRequest, spread } = settled(windows);
    // A line logged by our packages means a timeout or a failure: their fallback answered.
    const { logged } = await server.cpu();
    const problem =
      failed > 0
        ? `${failed} answers were not 200`
        : logged > 0
          ? `our packages logged ${logged} lines (a store timed out or failed)`
          : undefined;
    return { variant, windows, perRequest, spread, ...(problem ? { problem } : {}) };
  } finally {
    await server.stop();
  }
}

async function pool<T, R>(items: readonly T[], size: number, job: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const at = next++;
      results[at] = await job(items[at] as T);
    }
  };
  await Promise.all(Array.from({ length: size }, worker));
  return results;
}

const k = (n: number | undefined) => (n === undefined ? '' : `${(n / 1000).toFixed(1)}k`);
const x = (n: number | undefined) =>
  n === undefined || !Number.isFinite(n) ? '' : `${n.toFixed(2)}x`;

/** One table per framework and section: instructions per request and the two ratios. */
function markdown(rows: Counted[]): string {
  const out: string[] = [];
  const lines: string[] = [];
  for (const framework of settings.frameworks) {
    for (const section of ['rate-limit', 'cache'] as const) {
      const group = rows.filter(
        (r) => r.variant.framework === framework && r.variant.section === section,
      );
      if (group.length === 0) continue;
      const bare = group.find((r) => r.variant.role === 'bare')?.perRequest;
      const vsBare = (r: Counted) => (bare && r.perRequest ? bare / r.perRequest : undefined);
      const bestPeer = (store: string | undefined) =>
        group
          .filter((r) => r.variant.role === 'peer' && r.variant.store === store && r.perRequest)
          .sort((a, b) => (a.perRequest as number) - (b.perRequest as number))[0];
      out.push(`#### ${framework}, ${section === 'rate-limit' ? 'rate limiting' : 'caching'}`, '');
      out.push(
        '| Row | Store | instructions/req | windows (k) | spread | vs bare | vs best peer, same store |',
      );
      out.push('| --- | --- | ---: | --- | ---: | ---: | ---: |');
      for (const r of group) {
        const { variant } = r;
        const peer = variant.role === 'ours' ? bestPeer(variant.store) : undefined;
        const vsPeer =
          peer?.perRequest && r.perRequest
            ? `${x(peer.perRequest / r.perRequest)} (${peer.variant.label})`
            : '';
        const note = r.problem ? ` ⚠ ${r.problem}` : '';
        const spread = r.spread === undefined ? '' : `${(r.spread * 100).toFixed(1)}%`;
        out.push(
          `| ${variant.label}${note} | ${variant.store ?? ''}${variant.storeNote ? ` (${variant.storeNote})` : ''} | ${k(r.perRequest)} | ${r.windows.map((w) => (w / 1000).toFixed(1)).join(', ')} | ${spread} | ${x(vsBare(r))} | ${vsPeer} |`,
        );
        if (variant.role !== 'ours' || !r.perRequest) continue;
        const ratio = vsBare(r);
        if (variant.store === 'memory' && ratio !== undefined) {
          lines.push(
            `- **${ratio >= 0.9 ? 'PASS' : 'FAIL'}** ${framework} ${section}: ours on memory / bare app, by instructions: ${x(ratio)} (target >= 0.9x)`,
          );
        }
        if (peer?.perRequest) {
          const vs = peer.perRequest / r.perRequest;
          lines.push(
            `- **${vs >= 1.1 ? 'PASS' : 'FAIL'}** ${framework} ${section}: ours on ${variant.store} / best peer (${peer.variant.label}), by instructions: ${x(vs)} (target >= 1.1x)`,
          );
        }
      }
      out.push('');
    }
  }
  return [...out, '#### Targets (HTTP, by instructions)', '', ...lines, ''].join('\n');
}

if (!(await hasValgrind())) {
  console.error('valgrind is not on PATH (apt-get install valgrind): cannot count instructions');
  process.exit(1);
}
const variants = selected();
const redis = await acquireBenchRedis();
const dir = await mkdtemp(join(tmpdir(), 'kit-bench-callgrind-'));
// Inherited by the servers: see SLOW_STORE_TIMEOUT_MS in parts.ts.
process.env.BENCH_STORE_TIMEOUT_MS = '10000';
const started = Date.now();
try {
  const rows = await pool(variants, settings.parallel, async (variant) => {
    const row = await count(variant, redis.url, dir);
    console.error(
      `${variant.framework} ${variant.id}: ${k(row.perRequest)} [${row.windows.map((w) => Math.round(w)).join(', ')}]${row.problem ? ` ${row.problem}` : ''}`,
    );
    return row;
  });
  const header = `${new Date().toISOString()} · Node ${process.version} · valgrind callgrind${settings.mainThread ? ' (main thread only)' : ''} · warm-up ${settings.warm} requests, ${settings.windows} windows of ${settings.window} (8 keep-alive connections), median of all but the first ${SETTLING_WINDOWS} · ${Math.round((Date.now() - started) / 1000)} s`;
  const text = `${header}\n\n${markdown(rows)}`;
  await writeResult('http-instructions', quick, text);
} finally {
  await rm(dir, { recursive: true, force: true });
  await redis.close();
}
