import { type BenchCase, runCases } from '../cases.js';
import { rowRef } from '../isolated/ref.js';
import type { BenchRedis } from '../redis.js';
import { type Check, checkLines, ratio, throughputTable } from '../report.js';
import type { Settings } from '../settings.js';
import type { OursCache } from './ours.js';

const OURS = new URL('./rows-ours.ts', import.meta.url).href;
const PEERS = new URL('./rows-peers.ts', import.meta.url).href;

/** Loads our side; the peers still run (and our checks FAIL as "not measured") if it cannot. */
export async function loadOursCache(log: (line: string) => void): Promise<OursCache | string> {
  try {
    const { oursCache } = await import('./ours.js');
    return oursCache;
  } catch (error) {
    const reason = `@kit/cache not loadable: ${(error as Error).message.split('\n')[0]}`;
    log(`  ${reason}`);
    return reason;
  }
}

/** Issue 3's hit benchmark: a ~1 KB JSON page served from Redis. Returns the markdown. */
export async function cacheHitSection(
  redis: BenchRedis,
  ours: OursCache | string,
  settings: Settings,
  log: (line: string) => void,
): Promise<string> {
  const k = settings.keySpace;
  log('Cache hits');
  const cases: BenchCase[] = [
    {
      id: 'floor',
      label: 'floor: bare GET + JSON.parse',
      what: 'GET of the stored JSON on ioredis, parsed',
      build: rowRef(PEERS, 'floor', k),
    },
  ];
  if (typeof ours !== 'string') {
    cases.push(
      {
        id: 'ours-route',
        label: '@kit/cache hit through the core',
        what: ours.routeWhat,
        build: rowRef(OURS, 'routeHit', k),
      },
      {
        id: 'ours-store',
        label: '@kit/cache redisStore get',
        what: 'store.get(key), body sliced out of the entry (what a hit does)',
        build: rowRef(OURS, 'storeGet', k),
      },
    );
  }
  cases.push(
    {
      id: 'bento',
      label: 'bentocache (Redis L2 only)',
      what: 'bento.getOrSet({ key, factory, ttl })',
      build: rowRef(PEERS, 'bentoGetOrSet', k),
    },
    {
      id: 'bento-get',
      label: 'bentocache get (Redis L2 only)',
      what: 'bento.get({ key })',
      build: rowRef(PEERS, 'bentoGet', k),
    },
    {
      id: 'cm',
      label: 'cache-manager + @keyv/redis',
      what: 'cache.wrap(key, fn, ttl) (node-redis connection of its own)',
      build: rowRef(PEERS, 'managerWrap', k),
    },
    {
      id: 'cm-get',
      label: 'cache-manager get + @keyv/redis',
      what: 'cache.get(key)',
      build: rowRef(PEERS, 'managerGet', k),
    },
  );
  const results = await runCases(cases, settings, log, redis);

  const checks: Check[] = [
    {
      label: 'ours / floor',
      value: ratio(results, 'ours-route', 'floor'),
      direction: '>=',
      target: 0.9,
    },
    {
      label: 'ours / bentocache',
      value: ratio(results, 'ours-route', 'bento'),
      direction: '>=',
      target: 1.5,
    },
    {
      label: 'ours / cache-manager',
      value: ratio(results, 'ours-route', 'cm'),
      direction: '>=',
      target: 1.5,
    },
  ];
  if (typeof ours === 'string') for (const c of checks) c.reason = 'see above';

  return [
    '## Caching',
    '',
    `### Hits of a ~1 KB JSON page (${settings.concurrency} in flight per row, ${k.toLocaleString('en-US')} pages)`,
    '',
    throughputTable([...results.values()], 'hits', 'floor'),
    '',
    'Peers are compared through their route-shaped call (getOrSet / wrap); their bare `get` rows are for reference.',
    '',
    '### Targets (cache hits)',
    '',
    ...(typeof ours === 'string' ? [`Not measured: ${ours}`, ''] : []),
    checkLines(checks),
    '',
  ].join('\n');
}
