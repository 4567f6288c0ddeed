/** How long and how hard one run measures. */
export interface Settings {
  quick: boolean;
  /** Operations in flight per Redis-backed case, all on that case's one connection. */
  concurrency: number;
  warmupMs: number;
  roundMs: number;
  rounds: number;
  /** Distinct keys the throughput cases cycle through (many callers, not one hot key). */
  keySpace: number;
  /** Distinct keys inserted to measure heap bytes per tracked rate-limit key. */
  heapKeys: number;
  /** Users x pages per user written before the invalidation timing (1000 x 1000 = 1M keys). */
  fillUsers: number;
  pagesPerUser: number;
  /** Users whose 10 pages are invalidated and timed, per method; the median is reported. */
  invalidationSamples: number;
}

/** Full run (about 3-4 minutes on 2 cores) or `--quick` smoke run (a few seconds). */
export function readSettings(argv: readonly string[]): Settings {
  const quick = argv.includes('--quick');
  if (quick) {
    return {
      quick,
      concurrency: 128,
      warmupMs: 100,
      roundMs: 200,
      rounds: 3,
      keySpace: 1_000,
      heapKeys: 20_000,
      fillUsers: 20,
      pagesPerUser: 500,
      invalidationSamples: 3,
    };
  }
  return {
    quick,
    concurrency: 128,
    warmupMs: 1_000,
    roundMs: 1_500,
    rounds: 5,
    keySpace: 10_000,
    heapKeys: 500_000,
    fillUsers: 1_000,
    pagesPerUser: 1_000,
    invalidationSamples: 5,
  };
}
