import { type BenchCase, type CaseResult, runCases } from '../cases.js';
import { heapBytesPerKey } from '../heap.js';
import { rowRef } from '../isolated/ref.js';
import type { BenchRedis } from '../redis.js';
import { type Check, cheaper, checkLines, formatCount, ratio, throughputTable } from '../report.js';
import type { Settings } from '../settings.js';
import type { OursRateLimit } from './ours.js';
import { rateLimiterMemoryInserter } from './peers.js';

// Where the rows are built (each in its own process): ours apart, so the peers run without it.
const OURS = new URL('./rows-ours.ts', import.meta.url).href;
const PEERS = new URL('./rows-peers.ts', import.meta.url).href;

/** Loads our side; the peers still run (and our checks FAIL as "not measured") if it cannot. */
async function loadOurs(log: (line: string) => void): Promise<OursRateLimit | string> {
  try {
    const { oursRateLimit } = await import('./ours.js');
    return oursRateLimit;
  } catch (error) {
    const reason = `@kit/rate-limiter not loadable: ${(error as Error).message.split('\n')[0]}`;
    log(`  ${reason}`);
    return reason;
  }
}

/** The rate-limit benchmark: Redis rows, memory rows, heap per key. Returns the markdown. */
export async function rateLimitSection(
  redis: BenchRedis,
  settings: Settings,
  log: (line: string) => void,
): Promise<string> {
  const ours = await loadOurs(log);
  const missing = typeof ours === 'string' ? ours : undefined;
  const k = settings.keySpace;

  log('Rate limiting on Redis');
  const redisCases: BenchCase[] = [
    {
      id: 'floor',
      label: 'floor: bare EVALSHA',
      what: 'INCR + PEXPIRE script by SHA on ioredis, no library',
      build: rowRef(PEERS, 'floor', k),
    },
    {
      id: 'floor-coalesced',
      label: 'floor, writes coalesced per tick',
      what: "the same script, each tick's commands in one socket write (as our stores send)",
      build: rowRef(PEERS, 'floorCoalesced', k),
    },
    {
      id: 'floor-same-key',
      label: 'floor, limiter-shaped keys',
      what: "the coalesced floor on keys as long as the store's (hash tag, path, window)",
      build: rowRef(PEERS, 'floorSameKey', k),
    },
    {
      id: 'floor-3w',
      label: 'floor, three windows',
      what: 'one INCR (+ PEXPIRE when new) per window key of a minute, an hour and a day, coalesced',
      build: rowRef(PEERS, 'floorThreeWindows', k),
    },
  ];
  if (typeof ours !== 'string') {
    redisCases.push(
      {
        id: 'ours-store',
        label: '@kit/rate-limiter redisStore',
        what: 'store.consume(), fixed window',
        build: rowRef(OURS, 'oursStore', k),
      },
      {
        id: 'ours-store-3w',
        label: '@kit/rate-limiter redisStore, three windows',
        what: 'store.consume(), fixed windows of a minute, an hour and a day',
        build: rowRef(OURS, 'oursStoreThree', k),
      },
      {
        id: 'ours-check',
        label: '@kit/rate-limiter check() on redisStore',
        what: 'limiter.check({ path, ip }): rule, key, store, result',
        build: rowRef(OURS, 'oursCheck', k),
      },
      {
        id: 'ours-check-autopipe',
        label: '@kit/rate-limiter check(), ioredis enableAutoPipelining',
        what: 'the same check() on a client made with { enableAutoPipelining: true }',
        build: rowRef(OURS, 'oursCheck', k, { enableAutoPipelining: true }),
      },
      {
        id: 'ours-check-3w',
        label: '@kit/rate-limiter check(), three windows',
        what: 'check() of a rule of a minute, an hour and a day',
        build: rowRef(OURS, 'oursCheckThree', k),
      },
    );
  }
  redisCases.push(
    {
      id: 'rlf',
      label: 'rate-limiter-flexible RateLimiterRedis',
      what: 'limiter.consume(key)',
      build: rowRef(PEERS, 'rlf', k),
    },
    {
      id: 'rlf-autopipe',
      label: 'rate-limiter-flexible RateLimiterRedis, ioredis enableAutoPipelining',
      what: 'the same consume() on a client made with { enableAutoPipelining: true }',
      build: rowRef(PEERS, 'rlf', k, { enableAutoPipelining: true }),
    },
    {
      id: 'rlr',
      label: 'rate-limit-redis RedisStore',
      what: "store.increment(key) (express-rate-limit's store)",
      build: rowRef(PEERS, 'rlr', k),
    },
  );
  if (typeof ours !== 'string') {
    redisCases.push({
      id: 'ours-over',
      label: '@kit/rate-limiter over limit',
      what: 'check() of 1,000 callers already over their limit',
      build: rowRef(OURS, 'oursOverLimit'),
    });
  }
  const redisResults = await runCases(redisCases, settings, log, redis);

  log('Rate limiting in memory');
  const memoryCases: BenchCase[] = [];
  if (typeof ours !== 'string') {
    memoryCases.push(
      {
        id: 'ours-memory-store',
        label: '@kit/rate-limiter memoryStore',
        what: 'store.consume(), fixed window',
        build: rowRef(OURS, 'oursMemoryStore', k),
        concurrency: 1,
      },
      {
        id: 'ours-memory-store-3w',
        label: '@kit/rate-limiter memoryStore, three windows',
        what: 'store.consume(), fixed windows of a minute, an hour and a day',
        build: rowRef(OURS, 'oursMemoryStoreThree', k),
        concurrency: 1,
      },
      {
        id: 'ours-memory-check',
        label: '@kit/rate-limiter check() on memoryStore',
        what: 'limiter.check({ path, ip })',
        build: rowRef(OURS, 'oursMemoryCheck', k),
        concurrency: 1,
      },
      {
        id: 'ours-memory-check-user',
        label: '@kit/rate-limiter check() of a user',
        what: "limiter.check({ path, identity }), the identity made per check as identify() makes it: the tier's rule from resolveRule (memoised)",
        build: rowRef(OURS, 'oursMemoryCheckUser', k),
        concurrency: 1,
      },
      {
        id: 'ours-memory-check-controls',
        label: '@kit/rate-limiter check(), controls on',
        what: 'allow and deny lists, blockDuration, shadow mode, onDecision',
        build: rowRef(OURS, 'oursMemoryCheckControls', k),
        concurrency: 1,
      },
      {
        id: 'ours-memory-check-3w',
        label: '@kit/rate-limiter check(), three windows',
        what: 'check() of a rule of a minute, an hour and a day',
        build: rowRef(OURS, 'oursMemoryCheckThree', k),
        concurrency: 1,
      },
    );
  }
  memoryCases.push({
    id: 'rlm',
    label: 'rate-limiter-flexible RateLimiterMemory',
    what: 'limiter.consume(key)',
    build: rowRef(PEERS, 'rlm', k),
    concurrency: 1,
  });
  const memoryResults = await runCases(memoryCases, settings, log);

  log(`Heap per tracked key (${formatCount(settings.heapKeys)} distinct IPs)`);
  const heapRows: { label: string; what: string; bytes: number }[] = [];
  let oursBytes: number | undefined;
  let oursCheckBytes: number | undefined;
  if (typeof ours !== 'string') {
    oursBytes = await heapBytesPerKey(ours.memoryStoreInserter, settings.heapKeys);
    heapRows.push({
      label: '@kit/rate-limiter memoryStore',
      what: 'store.consume() with the IP as key',
      bytes: oursBytes,
    });
    oursCheckBytes = await heapBytesPerKey(ours.memoryCheckInserter, settings.heapKeys);
    heapRows.push({
      label: '@kit/rate-limiter check() on memoryStore',
      what: 'limiter.check({ path, ip }): keys as the limiter builds them',
      bytes: oursCheckBytes,
    });
  }
  const rlmBytes = await heapBytesPerKey(rateLimiterMemoryInserter, settings.heapKeys);
  heapRows.push({
    label: 'rate-limiter-flexible RateLimiterMemory',
    what: 'limiter.consume(ip)',
    bytes: rlmBytes,
  });

  // Redis rows are compared by cost per check (Node CPU plus Redis CPU): see `cheaper`.
  const checks: Check[] = [
    // Our stores coalesce each tick's writes: their floor is the bare script sent the same way.
    check(
      'redis store / floor (writes coalesced), by cost',
      cheaper(redisResults, 'ours-store', 'floor-coalesced'),
      '>=',
      0.9,
    ),
    check(
      'check() on redis / floor (writes coalesced), by cost',
      cheaper(redisResults, 'ours-check', 'floor-coalesced'),
      '>=',
      0.9,
    ),
    check(
      'redis store / floor with limiter-shaped keys (same-key reference), by cost',
      cheaper(redisResults, 'ours-store', 'floor-same-key'),
      '>=',
      0.9,
    ),
    check(
      'redis store / rate-limiter-flexible, by cost',
      cheaper(redisResults, 'ours-store', 'rlf'),
      '>=',
      1.15,
    ),
    check(
      'check() on redis / rate-limiter-flexible, default ioredis clients, by cost',
      cheaper(redisResults, 'ours-check', 'rlf'),
      '>=',
      1.25,
    ),
    check(
      'check() on redis / rate-limiter-flexible, both clients enableAutoPipelining, by cost',
      cheaper(redisResults, 'ours-check-autopipe', 'rlf-autopipe'),
      '>=',
      1.25,
    ),
    // A three-window check may cost at most 1.3x a single-window one.
    check(
      'check() on redis, three windows / one window, cost',
      inverse(cheaper(redisResults, 'ours-check-3w', 'ours-check')),
      '<=',
      1.3,
    ),
    check(
      'redis store, three windows / one window, cost',
      inverse(cheaper(redisResults, 'ours-store-3w', 'ours-store')),
      '<=',
      1.3,
    ),
    check('over-limit / floor', ratio(redisResults, 'ours-over', 'floor'), '>=', 5),
    check(
      'memory store / RateLimiterMemory',
      ratio(memoryResults, 'ours-memory-store', 'rlm'),
      '>=',
      1.2,
    ),
    check(
      'check() on memory / RateLimiterMemory',
      ratio(memoryResults, 'ours-memory-check', 'rlm'),
      '>=',
      1.2,
    ),
    check(
      'check() of a user on memory / RateLimiterMemory',
      ratio(memoryResults, 'ours-memory-check-user', 'rlm'),
      '>=',
      1.2,
    ),
    { ...check('memory store bytes per key', oursBytes, '<=', 150), unit: ' B' },
    { ...check('check() on memory bytes per key', oursCheckBytes, '<=', 150), unit: ' B' },
  ];
  for (const c of checks) if (c.value === undefined) c.reason = missing && 'see above';

  const heapTable = [
    '| Store | How keys were tracked | Bytes per key |',
    '| --- | --- | ---: |',
    ...heapRows.map((r) => `| ${r.label} | ${r.what} | ${Math.round(r.bytes)} |`),
  ].join('\n');

  return [
    '## Rate limiting',
    '',
    `### On Redis (${settings.concurrency} in flight per row, one ioredis connection each)`,
    '',
    throughputTable([...redisResults.values()], 'checks', 'floor'),
    '',
    '### In memory (one check at a time: in-process promises settle at once)',
    '',
    throughputTable([...memoryResults.values()], 'checks', 'rlm', 'RateLimiterMemory'),
    '',
    `### Heap per tracked key (${formatCount(settings.heapKeys)} distinct IPs; V8 heap + ArrayBuffers after full GC)`,
    '',
    heapTable,
    '',
    '### Targets (rate limiting)',
    '',
    ...(missing ? [`Not measured: ${missing}`, ''] : []),
    checkLines(checks),
    '',
    floorWindowsLine(redisResults),
    '',
  ].join('\n');
}

/** What three windows cost at the floor: the part of the 1.3x above that no store can undercut. */
function floorWindowsLine(results: ReadonlyMap<string, CaseResult>): string {
  const times = inverse(cheaper(results, 'floor-3w', 'floor-same-key'));
  if (times === undefined) return 'Reference, three windows at the floor: not measured.';
  return `Reference, not a target: the three-window floor costs ${times.toFixed(3)}x the one-window floor on limiter-shaped keys, by cost (each window is one more counter write).`;
}

/** 1 / x, for "costs at most N times" out of "N times cheaper". */
const inverse = (x: number | undefined) => (x === undefined ? undefined : 1 / x);

function check(
  label: string,
  value: number | undefined,
  direction: '>=' | '<=',
  target: number,
): Check {
  return { label, value, direction, target };
}
