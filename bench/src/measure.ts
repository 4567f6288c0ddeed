import { quantile } from './stats.js';

/** One operation under test; `i` is a running counter the case uses to pick its key. */
export type Operation = (i: number) => Promise<unknown>;

/** What one timed round saw. */
export interface RoundResult {
  ops: number;
  opsPerSec: number;
  /** Per-operation latency, milliseconds, from the call to the settled promise. */
  p50Ms: number;
  p99Ms: number;
}

// One buffer for every round: per-op latencies of a round, reused so rounds do not allocate.
// Past its length a round stops recording latencies (it still counts the ops).
const latencies = new Float64Array(8_000_000);

/**
 * Runs `op` for `durationMs` in a closed loop with `concurrency` operations in flight (each
 * worker starts its next call when the previous one settles), and returns throughput and
 * latency percentiles. Concurrency 1 is a plain `await` loop, the honest shape for in-process
 * stores whose promises settle at once.
 */
export async function runRound(
  op: Operation,
  concurrency: number,
  durationMs: number,
): Promise<RoundResult> {
  return concurrency === 1
    ? runSequential(op, durationMs)
    : runConcurrent(op, concurrency, durationMs);
}

// In-process operations take well under a microsecond: reading the clock around each would
// cost as much as the operation and compress every ratio towards 1. So the sequential loop
// times one call in SAMPLE_EVERY and reads the clock for the deadline only then.
const SAMPLE_EVERY = 64;

async function runSequential(op: Operation, durationMs: number): Promise<RoundResult> {
  let started = 0;
  let recorded = 0;
  const startedAt = performance.now();
  const deadline = startedAt + durationMs;
  for (;;) {
    for (let j = 1; j < SAMPLE_EVERY; j++) await op(started++);
    const t0 = performance.now();
    await op(started++);
    const t1 = performance.now();
    if (recorded < latencies.length) latencies[recorded++] = t1 - t0;
    if (t1 >= deadline) break;
  }
  return summarize(started, performance.now() - startedAt, recorded);
}

async function runConcurrent(
  op: Operation,
  concurrency: number,
  durationMs: number,
): Promise<RoundResult> {
  let started = 0;
  let recorded = 0;
  let stop = false;
  const startedAt = performance.now();
  const deadline = startedAt + durationMs;

  async function worker(): Promise<void> {
    while (!stop) {
      const i = started++;
      const t0 = performance.now();
      await op(i);
      const t1 = performance.now();
      if (recorded < latencies.length) latencies[recorded++] = t1 - t0;
      if (t1 >= deadline) stop = true;
    }
  }

  const workers: Promise<void>[] = [];
  for (let w = 0; w < concurrency; w++) workers.push(worker());
  await Promise.all(workers);
  return summarize(started, performance.now() - startedAt, recorded);
}

function summarize(ops: number, elapsedMs: number, recorded: number): RoundResult {
  const sorted = latencies.subarray(0, recorded).sort();
  return {
    ops,
    opsPerSec: (ops / elapsedMs) * 1000,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
  };
}
