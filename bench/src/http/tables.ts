import { type Check, checkLines, formatCount, formatMs } from '../report.js';
import type { HttpSettings } from '../settings.js';
import { median } from '../stats.js';
import {
  CACHE_ROUTE,
  FRAMEWORKS,
  type Framework,
  RATE_LIMIT_PATH,
  type Section,
  type StoreKind,
  type Variant,
} from './catalog.js';
import type { WrkResult } from './wrk.js';

/** One round of one row: what wrk saw, and the server's CPU per request. */
export interface HttpRound extends WrkResult {
  cpuUsPerReq: number;
  /**
   * The Redis server process's CPU per request (commands and their socket I/O), for rows on
   * Redis when the bench owns the server; NaN otherwise.
   */
  redisUsPerReq: number;
  /** Lines our packages logged during the round (store timeouts and failures). */
  logged: number;
  /**
   * The mean of the framework's bare app loaded just before and just after this round: what
   * the row's "vs bare" ratios divide by. Absent on the bare app's own rounds.
   */
  bare?: { reqPerSec: number; cpuUsPerReq: number };
}

/** One variant's outcome: its rounds, or why it did not run. */
export interface HttpRow {
  variant: Variant;
  unavailable?: string;
  rounds: HttpRound[];
  headers?: Record<string, string>;
  problem?: string | undefined;
}

interface Summary {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerReq: number;
  redisUsPerReq: number;
  /** (max - min) / median of the rounds' req/s. */
  spread: number;
  /** Median over rounds of req/s over the bare app loaded around the round (1 for bare). */
  vsBare: number;
  /** Median over rounds of the bare app's CPU per request over the round's. */
  vsBareByCpu: number;
  errors: number;
  logged: number;
}

/** A row whose rounds spread wider than this was measured while something else ran. */
const NOISY_SPREAD = 0.25;

const NAMES: Record<Framework, string> = { express: 'Express', hono: 'Hono', fastify: 'Fastify' };
const STORES: Record<StoreKind, string> = { memory: 'memory', redis: 'Redis' };
const TITLES: Record<Section, string> = { 'rate-limit': 'rate limit', cache: 'cache' };

function summarize(row: HttpRow | undefined): Summary | undefined {
  if (!row || row.rounds.length === 0) return undefined;
  const rps = row.rounds.map((r) => r.reqPerSec);
  const mid = median(rps);
  return {
    reqPerSec: mid,
    p50Ms: median(row.rounds.map((r) => r.p50Ms)),
    p99Ms: median(row.rounds.map((r) => r.p99Ms)),
    cpuUsPerReq: median(row.rounds.map((r) => r.cpuUsPerReq)),
    // Rounds written before this column existed have none.
    redisUsPerReq: median(row.rounds.map((r) => r.redisUsPerReq ?? Number.NaN)),
    spread: (Math.max(...rps) - Math.min(...rps)) / mid,
    ...pairedRatios(row),
    errors: row.rounds.reduce((n, r) => n + r.errors, 0),
    logged: row.rounds.reduce((n, r) => n + r.logged, 0),
  };
}

function pairedRatios(row: HttpRow): { vsBare: number; vsBareByCpu: number } {
  if (row.variant.role === 'bare') return { vsBare: 1, vsBareByCpu: 1 };
  const paired = row.rounds.filter((r) => r.bare !== undefined);
  if (paired.length === 0) return { vsBare: Number.NaN, vsBareByCpu: Number.NaN };
  return {
    vsBare: median(paired.map((r) => r.reqPerSec / (r.bare?.reqPerSec ?? Number.NaN))),
    vsBareByCpu: median(paired.map((r) => (r.bare?.cpuUsPerReq ?? Number.NaN) / r.cpuUsPerReq)),
  };
}

function storeCell(v: Variant): string {
  if (!v.store) return '';
  return v.storeNote ? `${STORES[v.store]} (${v.storeNote})` : STORES[v.store];
}

/** The best peer of a framework's section on one store, by its ratio to the bare app. */
function bestPeer(rows: readonly HttpRow[], store: StoreKind) {
  let best: { row: HttpRow; summary: Summary } | undefined;
  for (const row of rows) {
    if (row.variant.role !== 'peer' || row.variant.store !== store) continue;
    const summary = summarize(row);
    if (summary && (!best || summary.vsBare > best.summary.vsBare)) best = { row, summary };
  }
  return best;
}

/** Two rows compared through their ratios to the bare app each was loaded beside. */
function ratioCell(top: Summary | undefined, bottom: Summary | undefined): string {
  return top && bottom ? `${(top.vsBare / bottom.vsBare).toFixed(2)}x` : '';
}

function frameworkTable(rows: readonly HttpRow[]): { table: string; notes: string[] } {
  const notes: string[] = [];
  const lines = [
    '| Row | Store | req/s | p50 ms | p99 ms | server CPU µs/req | Redis CPU µs/req | ' +
      'round spread | vs bare | vs bare by CPU | vs best peer, same store |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const v = row.variant;
    const mark = row.problem || row.rounds.some((r) => r.logged > 0) ? ' ⚠' : '';
    if (row.unavailable) {
      lines.push(
        `| ${v.label} | ${storeCell(v)} | not available (${row.unavailable}) | | | | | | | | |`,
      );
      continue;
    }
    const s = summarize(row);
    if (!s) continue;
    if (row.problem) notes.push(`⚠ ${v.label} (${storeCell(v) || 'no store'}): ${row.problem}`);
    if (s.errors > 0)
      notes.push(`${v.label} (${storeCell(v)}): ${s.errors} wrk errors over all rounds`);
    if (s.logged > 0) {
      notes.push(
        `⚠ ${v.label} (${storeCell(v)}): logged ${s.logged} store timeout or failure lines during ` +
          'the rounds (throttled): some requests were answered by the outage policy, not the store',
      );
    }
    const peer =
      (v.role === 'ours' || v.role === 'reference') && v.store
        ? bestPeer(rows, v.store)
        : undefined;
    lines.push(
      `| ${v.label}${mark} | ${storeCell(v)} | ${formatCount(s.reqPerSec)} | ${formatMs(s.p50Ms)} | ` +
        `${formatMs(s.p99Ms)} | ${s.cpuUsPerReq.toFixed(1)} | ` +
        `${Number.isNaN(s.redisUsPerReq) ? '' : s.redisUsPerReq.toFixed(1)} | ` +
        `${(s.spread * 100).toFixed(0)}% | ` +
        `${s.vsBare.toFixed(2)}x | ${s.vsBareByCpu.toFixed(2)}x | ` +
        `${peer ? `${ratioCell(s, peer.summary)} (${peer.row.variant.label})` : ''} |`,
    );
  }
  return { table: lines.join('\n'), notes };
}

/** Header names a row adds to (+) or drops from (−) its bare app's response. */
function headerDiff(row: HttpRow, bare: HttpRow | undefined): string {
  const ignore = new Set(['date', 'keep-alive', 'connection']);
  const own = Object.keys(row.headers ?? {}).filter((h) => !ignore.has(h));
  const base = new Set(Object.keys(bare?.headers ?? {}).filter((h) => !ignore.has(h)));
  const added = own.filter((h) => !base.has(h)).map((h) => `+${h}`);
  const dropped = [...base].filter((h) => !own.includes(h)).map((h) => `−${h}`);
  return [...added, ...dropped].map((h) => `\`${h}\``).join(' ') || 'none';
}

function checksOf(section: Section, byFramework: Map<Framework, HttpRow[]>): Check[] {
  const checks: Check[] = [];
  for (const [framework, rows] of byFramework) {
    const name = `${NAMES[framework]} ${TITLES[section]}`;
    const ours = (store: StoreKind) =>
      rows.find((r) => r.variant.role === 'ours' && r.variant.store === store);
    const missing = (row: HttpRow | undefined) =>
      row?.unavailable ?? (row ? undefined : 'row not run');
    const memory = ours('memory');
    const memorySummary = summarize(memory);
    checks.push({
      label: `${name}: ours on memory / bare app`,
      value: memorySummary?.vsBare,
      direction: '>=',
      target: 0.9,
      ...(missing(memory) ? { reason: missing(memory) } : {}),
    });
    for (const store of ['memory', 'redis'] as const) {
      const row = ours(store);
      const own = summarize(row);
      const peer = bestPeer(rows, store);
      checks.push({
        label: `${name}: ours on ${STORES[store]} / best peer on ${STORES[store]}${peer ? ` (${peer.row.variant.label})` : ''}`,
        value: own && peer ? own.vsBare / peer.summary.vsBare : undefined,
        direction: '>=',
        target: 1.1,
        ...(missing(row) ? { reason: missing(row) } : peer ? {} : { reason: 'no peer row' }),
      });
    }
  }
  return checks;
}

const INTROS: Record<Section, string> = {
  'rate-limit':
    `GET ${RATE_LIMIT_PATH} answering \`{"ok":true}\`; every request allowed (limit 10^9 per hour), ` +
    'keyed by client IP (all of wrk’s connections come from 127.0.0.1, so one hot key), each ' +
    'row sending the rate-limit headers it sends by default (see Response headers: ours two, ' +
    'some peers none). The "headers off" row is ours with `standardHeaders: false, ' +
    'legacyHeaders: false`, a reference for what writing those headers costs; the "no-op ' +
    'middleware" row is a middleware (Fastify: an onRequest hook) that only calls next(), the ' +
    'most any middleware can keep of the bare ceiling on that framework. The targets use the ' +
    'default rows.',
  cache:
    `GET ${CACHE_ROUTE}, wrk cycling through 10 URLs (10 pages of ~1 KB JSON), all hits after ` +
    'warm-up; the bare app computes and serializes the page on every request, so a cache row can ' +
    'beat it.',
};

function sectionMarkdown(section: Section, rows: readonly HttpRow[]): string {
  const byFramework = new Map<Framework, HttpRow[]>();
  for (const f of FRAMEWORKS) {
    const own = rows.filter((r) => r.variant.framework === f && r.variant.section === section);
    if (own.length > 0) byFramework.set(f, own);
  }
  const out = [
    `### ${section === 'rate-limit' ? 'Rate limiting' : 'Caching'} over HTTP`,
    '',
    INTROS[section],
    '',
  ];
  const headerLines = [
    '| Framework | Row | Store | Headers vs the bare app |',
    '| --- | --- | --- | --- |',
  ];
  for (const [framework, own] of byFramework) {
    const { table, notes } = frameworkTable(own);
    out.push(
      `#### ${NAMES[framework]}`,
      '',
      table,
      '',
      ...notes.map((n) => `${n}  `),
      ...(notes.length ? [''] : []),
    );
    const bare = own.find((r) => r.variant.role === 'bare');
    for (const row of own) {
      if (row.variant.role === 'bare' || !row.headers) continue;
      headerLines.push(
        `| ${NAMES[framework]} | ${row.variant.label} | ${storeCell(row.variant)} | ${headerDiff(row, bare)} |`,
      );
    }
  }
  out.push(`#### Response headers (${TITLES[section]} rows)`, '', headerLines.join('\n'), '');
  out.push(
    `#### Targets (HTTP, ${TITLES[section]})`,
    '',
    checkLines(checksOf(section, byFramework)),
    '',
  );
  return out.join('\n');
}

/** The HTTP section's markdown: per section and framework a table, headers, targets. */
export function httpMarkdown(
  rows: readonly HttpRow[],
  meta: { wrkVersion: string; http: HttpSettings; pinning: string },
): string {
  const { http } = meta;
  const servers = rows.filter((r) => !r.unavailable).length;
  const sections = (['rate-limit', 'cache'] as const).filter((s) =>
    rows.some((r) => r.variant.section === s),
  );
  const spreads = rows.map((r) => summarize(r)?.spread).filter((x) => x !== undefined);
  const noisy = spreads.filter((x) => x > NOISY_SPREAD).length;
  const warning =
    noisy > 0
      ? [
          `⚠ A noisy run: ${noisy} of ${spreads.length} rows had a round spread above ` +
            `${NOISY_SPREAD * 100}%, so other load shared the cores. Do not quote these req/s; ` +
            'rerun on a quiet machine, and meanwhile read the "vs bare by CPU" column.',
          '',
        ]
      : [];
  return [
    '## HTTP',
    '',
    `wrk ${meta.wrkVersion}, one thread, ${http.connections} keep-alive connections over loopback ` +
      `to one server process per row; warm-up ${http.warmupSeconds} s per server, then ` +
      `${http.rounds} rounds of ${http.roundSeconds} s interleaved across all ${servers} servers, ` +
      "each row's load between two loads of its framework's bare app; medians of the rounds, " +
      'and the "vs" ratios are medians of each round over the mean of the bare loads around it ' +
      '(for "vs best peer", the two rows\' ratios to bare, divided). Server CPU is user + system time of the server process per ' +
      "request; Redis CPU (Redis rows) is the same of the bench's own redis-server process, " +
      'commands and their socket I/O; "vs bare by CPU" is the bare app\'s server CPU per ' +
      "request over the row's, the " +
      'throughput ratio a CPU-bound server would show, and moves less with outside load. ' +
      `Round spread is (max − min) / median of the rounds' req/s. ${meta.pinning[0]?.toUpperCase()}${meta.pinning.slice(1)}.`,
    '',
    ...warning,
    ...sections.map((s) => sectionMarkdown(s, rows)),
  ].join('\n');
}
