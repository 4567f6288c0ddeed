import { type BenchCase, type CaseResult, runCases } from '../cases.js';
import { rowRef } from '../isolated/ref.js';
import type { BenchRedis } from '../redis.js';
import { type Check, cheaper, checkLines, formatMs, ratio, throughputTable } from '../report.js';
import type { Settings } from '../settings.js';
import { median } from '../stats.js';
import { type Propagation, propagation } from './propagation.js';

const OURS = new URL('./rows-ours.ts', import.meta.url).href;
const PEERS = new URL('./rows-peers.ts', import.meta.url).href;

import { type StampedeResult, stampede } from './stampede.js';

/** A row whose rounds spread wider than this was measured while something else ran. */
const NOISY_SPREAD = 0.25;

/** (max - min) / median of a row's rounds' throughput. */
function spread(row: CaseResult): number {
  const rates = row.rounds.map((r) => r.opsPerSec);
  return (Math.max(...rates) - Math.min(...rates)) / median(rates);
}

/** The rows; each is built (every page stored) and timed in a process of its own. */
function buildCases(k: number): BenchCase[] {
  return [
    {
      id: 'floor',
      label: 'floor: bare Redis GET + JSON.parse',
      what: 'GET of the stored JSON on ioredis, parsed',
      build: rowRef(PEERS, 'floor', k),
    },
    {
      id: 'ours-redis',
      label: '@kit/cache getOrSet on Redis (no l1): a Redis hit',
      what: 'createCache({ store: redisStore({ client }) }).getOrSet(key, loader, { ttl })',
      build: rowRef(OURS, 'redisHit', k),
    },
    {
      id: 'ours-l1',
      label: '@kit/cache getOrSet, l1 + bus: a memory-layer hit',
      what: 'createCache({ store: redisStore, l1: memoryStore({ maxEntries }), bus: redisBus }).getOrSet(...)',
      build: rowRef(OURS, 'l1Hit', k, false),
      concurrency: 1,
    },
    {
      id: 'ours-l1-shared',
      label: '@kit/cache getOrSet, l1 + bus, shareDecoded: a memory-layer hit',
      what: 'the same with shareDecoded: true (one frozen decoded value per stored entry, no JSON.parse per hit)',
      build: rowRef(OURS, 'l1Hit', k, true),
      concurrency: 1,
    },
    {
      id: 'ours-memory',
      label: '@kit/cache getOrSet on memoryStore only',
      what: 'createCache({ store: memoryStore({ maxEntries }) }).getOrSet(...)',
      build: rowRef(OURS, 'memoryHit', k),
      concurrency: 1,
    },
    {
      id: 'bento-l2',
      label: 'bentocache getOrSet, Redis only',
      what: 'bento.getOrSet({ key, factory, ttl }), one Redis (L2) layer on an ioredis connection',
      build: rowRef(PEERS, 'bentoGetOrSet', k),
    },
    {
      id: 'bento-l1',
      label: 'bentocache getOrSet, memory L1 + Redis L2 + Redis bus: a memory-layer hit',
      what: 'the same call answered by its memory driver (serialize: true)',
      build: rowRef(PEERS, 'bentoL1GetOrSet', k),
      concurrency: 1,
    },
    {
      id: 'cm-redis',
      label: 'cache-manager wrap, Keyv on Redis',
      what: 'cache.wrap(key, fn, ttl) over Keyv + @keyv/redis (its own node-redis connection)',
      build: rowRef(PEERS, 'managerWrap', k),
    },
    {
      id: 'cm-memory',
      label: 'cache-manager wrap, in-memory Keyv',
      what: 'cache.wrap(key, fn, ttl) over a Keyv of its default Map store',
      build: rowRef(PEERS, 'managerMemoryWrap', k),
      concurrency: 1,
    },
  ];
}

function propagationTable(p: Propagation): string[] {
  return [
    '| Changes | p50 ms | p99 ms | max ms |',
    '| ---: | ---: | ---: | ---: |',
    `| ${p.samples} | ${formatMs(p.p50)} | ${formatMs(p.p99)} | ${formatMs(p.max)} |`,
  ];
}

function stampedeTable(result: StampedeResult): string[] {
  const row = (mode: 'instance' | 'global', want: string) => {
    const runs = result.loads[mode];
    return `| \`${mode}\` | ${runs.join(', ')} | ${median(runs)} | ${Math.max(...runs)} | ${want} |`;
  };
  return [
    '| singleFlight | Loader runs per round | Median | Max | Want |',
    '| --- | --- | ---: | ---: | ---: |',
    row('instance', `${result.processes} (one per process)`),
    row('global', '1'),
  ];
}

/**
 * The data layer's benchmark: `getOrSet` hits on Redis, on the memory layer and on memory alone,
 * beside a bare GET, bentocache and cache-manager; propagation of a change to another process;
 * loader runs of a cross-process stampede.
 */
export async function layersSection(
  redis: BenchRedis,
  settings: Settings,
  log: (line: string) => void,
): Promise<string> {
  const k = settings.keySpace;
  log('Data layer: getOrSet, two levels, bus');
  const results = await runCases(buildCases(k), settings, log, redis);

  const samples = settings.quick ? 100 : 500;
  const spreadMs = await propagation(redis, samples);
  log(`  propagation: ${spreadMs.samples} changes seen by the peer process`);
  const herd = await stampede(redis, { rounds: settings.rounds });
  log(`  stampede: ${herd.rounds} rounds per singleFlight mode`);

  const checks: Check[] = [
    {
      label: 'memory-layer hit (shareDecoded), cost per op (Node CPU + Redis) vs bare Redis GET',
      value: cheaper(results, 'ours-l1-shared', 'floor'),
      direction: '>=',
      target: 10,
    },
    {
      label: 'memory-layer hit (default: a fresh copy per hit), cost per op vs bare Redis GET',
      value: cheaper(results, 'ours-l1', 'floor'),
      direction: '>=',
      target: 10,
    },
    {
      label: 'memory-layer hit / bentocache memory-layer hit, throughput',
      value: ratio(results, 'ours-l1', 'bento-l1'),
      direction: '>=',
      target: 1,
    },
    { label: 'propagation p99', value: spreadMs.p99, direction: '<=', target: 50, unit: ' ms' },
    {
      label: `loader runs per cold key across ${herd.processes} processes with singleFlight global (max over rounds)`,
      value: Math.max(...herd.loads.global),
      direction: '<=',
      target: 1,
      unit: '',
    },
  ];
  const rows = [...results.values()];
  const noisy = rows.filter((row) => spread(row) > NOISY_SPREAD).length;
  return [
    '## Data layer: getOrSet, two levels, bus',
    '',
    `### getOrSet hits of a ~1 KB JSON page (${k.toLocaleString('en-US')} pages; in-process rows run one at a time)`,
    '',
    ...(noisy > 0
      ? [
          `⚠ A noisy run: ${noisy} of ${rows.length} rows had a round spread above ` +
            `${NOISY_SPREAD * 100}%, so other load shared the cores. Compare the cost columns, ` +
            'not the throughput.',
          '',
        ]
      : []),
    throughputTable(rows, 'hits', 'floor'),
    '',
    '"Cost per op" is Node CPU plus Redis server CPU per hit: what the 10x target is about. ' +
      'Throughput ratios put a one-at-a-time in-process loop beside 128 pipelined round trips.',
    '',
    '### Propagation of a change across two processes (one Redis)',
    '',
    "A `set` on this process's `createCache` (l1 + bus) until a forked instance (its own " +
      '`createCache` with l1 + bus, same Redis and channel), polling `get` continuously and never ' +
      `told of a change, first returns the new value: ${spreadMs.samples} changes one after another.`,
    '',
    ...propagationTable(spreadMs),
    '',
    `### Cross-process stampede (${herd.processes} processes × ${herd.concurrency} concurrent cold misses of one key)`,
    '',
    `Loader runs per round, summed over the processes; ${herd.rounds} rounds per mode, a new key each round.`,
    '',
    ...stampedeTable(herd),
    '',
    '### Targets (data layer)',
    '',
    checkLines(checks),
    '',
  ].join('\n');
}
