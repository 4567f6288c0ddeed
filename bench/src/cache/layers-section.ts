import { fork } from 'node:child_process';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';
import { type BenchCase, type CaseResult, runCases } from '../cases.js';
import type { BenchRedis } from '../redis.js';
import { type Check, checkLines, formatMs, ratio, throughputTable } from '../report.js';
import type { Settings } from '../settings.js';
import { quantile } from '../stats.js';
import { benchEntry, decodeEntry, oursLayered } from './layers-ours.js';
import { makePage } from './page.js';
import { floorGet } from './peers.js';

const TTL_MS = 3_600_000;

/**
 * How many times cheaper row `a` is than row `b` per operation, in what both processes spent:
 * Node CPU plus Redis command time. Throughput alone compares a one-at-a-time in-process loop
 * with 128 pipelined round trips, which measures the scheduler as much as the hit.
 */
function cheaper(results: ReadonlyMap<string, CaseResult>, a: string, b: string) {
  const cost = (id: string) => {
    const row = results.get(id);
    if (!row) return undefined;
    return row.nodeUsPerOp + (Number.isNaN(row.redisUsPerOp) ? 0 : row.redisUsPerOp);
  };
  const [top, bottom] = [cost(a), cost(b)];
  return top === undefined || bottom === undefined ? undefined : bottom / top;
}

/** bentocache with a memory L1 in front of Redis and its Redis bus: its recommended setup. */
async function bentocacheL1(url: string, keySpace: number) {
  const { hostname, port } = new URL(url);
  const connection = { host: hostname, port: Number(port || 6379) };
  const bento = new BentoCache({
    default: 'layered',
    stores: {
      layered: bentostore()
        .useL1Layer(memoryDriver({ maxItems: keySpace * 2 }))
        .useL2Layer(redisDriver({ connection, prefix: 'bench:bento-l1' }))
        .useBus(redisBusDriver({ connection })),
    },
  });
  const keys = Array.from({ length: keySpace }, (_, n) => `page-${n}`);
  for (let n = 0; n < keySpace; n++) {
    await bento.set({ key: keys[n] as string, value: makePage(n), ttl: TTL_MS });
  }
  return {
    getOrSet: (i: number) => {
      const n = i % keySpace;
      return bento.getOrSet({ key: keys[n] as string, factory: () => makePage(n), ttl: TTL_MS });
    },
    close: () => bento.disconnect(),
  };
}

/** Our memory-layer hit: the layered store's get, then the body parsed, as getOrSet will. */
async function oursL1Hit(redis: BenchRedis, keySpace: number) {
  const store = await oursLayered(await redis.connect(), {
    prefix: 'bench:kc-l1:',
    channel: 'bench:kc-l1:bus',
    maxEntries: keySpace * 2,
  });
  const keys = Array.from({ length: keySpace }, (_, n) => `page-${n}`);
  for (let n = 0; n < keySpace; n++) {
    await store.set(keys[n] as string, benchEntry(JSON.stringify(makePage(n))), TTL_MS);
  }
  for (const key of keys.slice(0, 100)) {
    if (decodeEntry(await store.get(key)) === undefined) throw new Error('expected a hit');
  }
  return {
    op: async (i: number) => decodeEntry(await store.get(keys[i % keySpace] as string)),
    memo: (i: number) => store.getDecoded(keys[i % keySpace] as string),
    close: () => store.close(),
  };
}

/**
 * How long a change on one instance takes to be seen on another process: this process sets a
 * key through its layered store; the forked peer reads it when the bus message arrives and
 * reports the time it saw the new value.
 */
async function propagation(redis: BenchRedis, samples: number, log: (line: string) => void) {
  const names = { prefix: 'bench:kc-prop:', channel: 'bench:kc-prop:bus' };
  const writer = await oursLayered(await redis.connect(), { ...names, maxEntries: 1_000 });
  const peer = fork(new URL('./layers-peer.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      BENCH_REDIS_URL: redis.url,
      BENCH_PREFIX: names.prefix,
      BENCH_CHANNEL: names.channel,
    },
  });
  const seen: Array<{ seen?: string; at: number }> = [];
  let notify = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    peer.once('exit', (code) => reject(new Error(`peer exited with ${code}`)));
    peer.on('message', (message: { ready?: boolean; seen?: string; at?: number }) => {
      if (message.ready) resolve();
      if (message.at !== undefined) {
        seen.push({ seen: message.seen, at: message.at });
        notify();
      }
    });
  });
  await ready;
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const body = JSON.stringify({ n: i });
    const startedAt = performance.timeOrigin + performance.now();
    await writer.set('prop', benchEntry(body), TTL_MS);
    const deadline = Date.now() + 5_000;
    let match = seen.find((s) => s.seen === body);
    while (!match) {
      if (Date.now() > deadline) throw new Error(`peer never saw change ${i}`);
      await new Promise<void>((resolve) => {
        notify = resolve;
        setTimeout(resolve, 50);
      });
      match = seen.find((s) => s.seen === body);
    }
    latencies.push(match.at - startedAt);
    seen.length = 0;
    // Spaced like separate writes, not a burst: each sample is one change on its own.
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  peer.send({ close: true });
  await new Promise((resolve) => peer.once('exit', resolve));
  await writer.close();
  log(`  propagation: ${samples} changes seen by the peer process`);
  latencies.sort((a, b) => a - b);
  return {
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: latencies[latencies.length - 1] ?? Number.NaN,
  };
}

/** Issue 10's two-level rows: memory-layer hits beside a Redis GET and bentocache; propagation. */
export async function layersSection(
  redis: BenchRedis,
  settings: Settings,
  log: (line: string) => void,
): Promise<string> {
  const k = settings.keySpace;
  log('Two levels');
  const ours = await oursL1Hit(redis, k);
  const bento = await bentocacheL1(redis.url, k);
  const cases: BenchCase[] = [
    {
      id: 'floor',
      label: 'floor: bare Redis GET + JSON.parse',
      what: 'GET of the stored JSON on ioredis, parsed',
      op: await floorGet(await redis.connect(), k),
    },
    {
      id: 'ours-l1',
      label: '@kit/cache layered store get + decode (l1 hit; store direct, until getOrSet)',
      what: 'createLayeredStore({ l1: memoryStore, l2: redisStore, bus: redisBus }).get(key), body sliced out and parsed',
      op: ours.op,
      concurrency: 1,
    },
    {
      id: 'ours-l1-memo',
      label: '@kit/cache layered store getDecoded (l1 hit, decoded-form memo; store direct)',
      what: 'the same store with `memo`: a hit of a copy decoded before returns that object',
      op: ours.memo,
      concurrency: 1,
    },
    {
      id: 'bento-l1',
      label: 'bentocache getOrSet (memory L1 hit, Redis L2, Redis bus)',
      what: 'bento.getOrSet({ key, factory, ttl }) answered by its memory driver (serialize: true)',
      op: bento.getOrSet,
      concurrency: 1,
    },
  ];
  const results = await runCases(cases, settings, log, redis.commandUsec);
  await ours.close();
  await bento.close();
  const samples = settings.quick ? 100 : 500;
  const spread = await propagation(redis, samples, log);

  const checks: Check[] = [
    {
      label: 'memory-layer hit (get + decode), cost per op vs bare Redis GET',
      value: cheaper(results, 'ours-l1', 'floor'),
      direction: '>=',
      target: 10,
    },
    {
      label: 'memory-layer hit with the decoded-form memo, cost per op vs bare Redis GET',
      value: cheaper(results, 'ours-l1-memo', 'floor'),
      direction: '>=',
      target: 10,
    },
    {
      label: 'memory-layer hit (get + decode) / bentocache memory-layer hit, throughput',
      value: ratio(results, 'ours-l1', 'bento-l1'),
      direction: '>=',
      target: 1,
    },
    { label: 'propagation p99', value: spread.p99, direction: '<=', target: 50, unit: ' ms' },
  ];
  return [
    '## Two levels (memory layer in front of Redis, Redis bus)',
    '',
    `### Hits of a ~1 KB JSON page (${k.toLocaleString('en-US')} pages; in-process rows run one at a time)`,
    '',
    throughputTable([...results.values()], 'hits', 'floor'),
    '',
    '"Cost per op" is Node CPU plus Redis command time per hit: what the 10x target is about. ' +
      'Throughput ratios put a one-at-a-time in-process loop beside 128 pipelined round trips.',
    '',
    '### Invalidation propagation across two processes (one Redis)',
    '',
    `A \`set\` through this process's layered store, until a forked instance (its own layered store and bus) reads the new value: ${samples} changes one after another.`,
    '',
    '| p50 ms | p99 ms | max ms |',
    '| ---: | ---: | ---: |',
    `| ${formatMs(spread.p50)} | ${formatMs(spread.p99)} | ${formatMs(spread.max)} |`,
    '',
    '### Targets (two levels)',
    '',
    checkLines(checks),
    '',
  ].join('\n');
}
