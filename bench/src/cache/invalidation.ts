import type { Redis } from 'ioredis';
import type { BenchRedis } from '../redis.js';
import { type Check, checkLines, formatCount, formatMs } from '../report.js';
import type { Settings } from '../settings.js';
import { median } from '../stats.js';
import { LIST_PAGES_PER_USER, listPageKey, postKey, postValue, userPattern } from './keyspace.js';
import type { OursCache } from './ours.js';
import { makePage } from './page.js';

/** How a filled keyspace is invalidated for one user; resolves to the keys deleted. */
export interface Invalidator {
  invalidate(u: number): Promise<number>;
  /** The library's own SCAN path, when it has one. */
  invalidateByScan?(u: number): Promise<number>;
  /** The Redis MATCH pattern for user `u`'s list pages, store prefix included. */
  redisPattern(u: number): string;
  /** The Redis keys of user `u`'s list pages, to check they are gone. */
  redisKeys(u: number): string[];
}

/** The SCAN baseline: pages the cursor to the end, UNLINKs each batch of matches. */
export async function scanUnlink(client: Redis, pattern: string, count: number): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', count);
    cursor = next;
    if (keys.length > 0) deleted += await client.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Without our package: plain pipelined SETs of the same keys, so SCAN still has its baseline. */
async function rawFill(client: Redis, settings: Settings): Promise<Invalidator> {
  const prefix = 'bench:inv:';
  for (let u = 0; u < settings.fillUsers; u++) {
    const pipeline = client.pipeline();
    for (let p = 1; p <= LIST_PAGES_PER_USER; p++) {
      pipeline.set(prefix + listPageKey(u, p), JSON.stringify(makePage(p)), 'PX', 3_600_000);
    }
    for (let id = LIST_PAGES_PER_USER; id < settings.pagesPerUser; id++) {
      pipeline.set(prefix + postKey(u, id), postValue(u, id), 'PX', 3_600_000);
    }
    await pipeline.exec();
  }
  return {
    invalidate: async () => Number.NaN,
    redisPattern: (u) => prefix + userPattern(u),
    redisKeys: (u) =>
      Array.from({ length: LIST_PAGES_PER_USER }, (_, p) => prefix + listPageKey(u, p + 1)),
  };
}

async function timed(fn: () => Promise<number>): Promise<{ ms: number; deleted: number }> {
  const t0 = performance.now();
  const deleted = await fn();
  return { ms: performance.now() - t0, deleted };
}

/** Issue 3's invalidation benchmark among `fillUsers x pagesPerUser` keys. Returns markdown. */
export async function invalidationSection(
  redis: BenchRedis,
  ours: OursCache | string,
  settings: Settings,
  log: (line: string) => void,
): Promise<string> {
  const total = settings.fillUsers * settings.pagesPerUser;
  log(`Invalidation: filling ${formatCount(total)} keys`);
  const t0 = performance.now();
  const inv =
    typeof ours === 'string'
      ? await rawFill(await redis.connect(), settings)
      : await ours.fill(
          await redis.connect(),
          await redis.connect({ enableAutoPipelining: true }),
          settings,
          log,
        );
  const fillSeconds = (performance.now() - t0) / 1000;
  const probe = await redis.connect();
  const dbsize = await probe.dbsize();
  log(`  filled in ${fillSeconds.toFixed(1)} s; DBSIZE ${formatCount(dbsize)}`);

  // Distinct users per method, so no method finds another's leftovers.
  const n = settings.invalidationSamples;
  const methods: { label: string; run: (u: number) => Promise<number> }[] = [
    { label: '@kit/cache fast path', run: (u) => inv.invalidate(u) },
    ...(inv.invalidateByScan
      ? [{ label: '@kit/cache SCAN path (deletePatternByScan)', run: inv.invalidateByScan }]
      : []),
    {
      label: 'SCAN MATCH + UNLINK, COUNT 1000',
      run: (u) => scanUnlink(probe, inv.redisPattern(u), 1000),
    },
    {
      label: 'SCAN MATCH + UNLINK, COUNT 100',
      run: (u) => scanUnlink(probe, inv.redisPattern(u), 100),
    },
  ];
  const rows: { label: string; medianMs: number; minMs: number; maxMs: number; deleted: string }[] =
    [];
  let oursMedian: number | undefined;
  for (const [m, method] of methods.entries()) {
    if (m === 0 && typeof ours === 'string') continue;
    log(`  ${method.label}`);
    const times: number[] = [];
    const deleted = new Set<number>();
    for (let s = 0; s < n; s++) {
      const u = (m * n + s) % settings.fillUsers;
      const result = await timed(() => method.run(u));
      const left = await probe.exists(...inv.redisKeys(u));
      if (left !== 0) throw new Error(`${method.label} left ${left} of user ${u}'s pages behind`);
      times.push(result.ms);
      deleted.add(result.deleted);
    }
    const row = {
      label: method.label,
      medianMs: median(times),
      minMs: Math.min(...times),
      maxMs: Math.max(...times),
      deleted: [...deleted].join(', '),
    };
    if (m === 0) oursMedian = row.medianMs;
    rows.push(row);
  }

  const checks: Check[] = [
    {
      label: "invalidate one user's 10 pages",
      value: oursMedian,
      direction: '<=',
      target: 5,
      unit: ' ms',
      ...(typeof ours === 'string' ? { reason: 'see the hits section' } : {}),
    },
  ];
  const how =
    typeof ours === 'string'
      ? 'plain pipelined SETs (our package was not loadable)'
      : ours.fillWhat;
  return [
    `### Pattern invalidation among ${formatCount(total)} keys`,
    '',
    `Filled with ${how} in ${fillSeconds.toFixed(1)} s; DBSIZE ${formatCount(dbsize)}. ` +
      `Each user has ${LIST_PAGES_PER_USER} list pages (\`user7_posts:page_3:items_per_page:10:user7\`) ` +
      `and ${settings.pagesPerUser - LIST_PAGES_PER_USER} single posts (\`user7_post_cache:42\`); ` +
      `the pattern \`user7_posts:*\` matches the 10 pages. Median of ${n} users per method, each a different user.`,
    '',
    '| Method | Median ms | Min ms | Max ms | Keys deleted |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.label} | ${formatMs(r.medianMs)} | ${formatMs(r.minMs)} | ${formatMs(r.maxMs)} | ${r.deleted} |`,
    ),
    '',
    '### Targets (cache invalidation)',
    '',
    checkLines(checks),
    '',
  ].join('\n');
}
