import { type Operation, type RoundResult, runRound } from './measure.js';
import type { Settings } from './settings.js';
import { median } from './stats.js';

/** One row of a throughput table. */
export interface BenchCase {
  id: string;
  label: string;
  /** What the row measures, printed in the table. */
  what: string;
  op: Operation;
  /** Defaults to the run's concurrency; in-process stores use 1. */
  concurrency?: number;
}

/** The medians over rounds of one case. */
export interface CaseResult {
  id: string;
  label: string;
  what: string;
  concurrency: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Node CPU (user + system) per operation, microseconds: what this process spent. */
  nodeUsPerOp: number;
  /** Redis command execution time per operation, microseconds (`INFO commandstats`). */
  redisUsPerOp: number;
  rounds: RoundResult[];
}

/** Cost of one round, load-independent where throughput is not. */
interface RoundCost {
  nodeUsPerOp: number;
  redisUsPerOp: number;
}

/**
 * Warms every case up, then runs the rounds interleaved (round 1 of every case, then round 2,
 * ...) so a burst of load from elsewhere on the machine hits all cases alike, and reports the
 * median of the rounds for throughput, p50 and p99 separately. Each round also records what an
 * operation cost in this process's CPU and in Redis's command time (`redisUsec`, a running total
 * of the server's command microseconds): throughput on shared cores moves with outside load,
 * these costs much less.
 */
export async function runCases(
  cases: readonly BenchCase[],
  settings: Settings,
  log: (line: string) => void,
  redisUsec: () => Promise<number> = async () => Number.NaN,
): Promise<Map<string, CaseResult>> {
  for (const c of cases) {
    log(`  warm-up ${c.label}`);
    await runRound(c.op, c.concurrency ?? settings.concurrency, settings.warmupMs);
  }
  const rounds = new Map<string, RoundResult[]>(cases.map((c) => [c.id, []]));
  const costs = new Map<string, RoundCost[]>(cases.map((c) => [c.id, []]));
  for (let r = 0; r < settings.rounds; r++) {
    for (const c of cases) {
      globalThis.gc?.();
      const redisBefore = await redisUsec();
      const cpuBefore = process.cpuUsage();
      const result = await runRound(c.op, c.concurrency ?? settings.concurrency, settings.roundMs);
      const cpu = process.cpuUsage(cpuBefore);
      const redisAfter = await redisUsec();
      rounds.get(c.id)?.push(result);
      costs.get(c.id)?.push({
        nodeUsPerOp: (cpu.user + cpu.system) / result.ops,
        redisUsPerOp: (redisAfter - redisBefore) / result.ops,
      });
    }
    log(`  round ${r + 1}/${settings.rounds} done`);
  }
  const results = new Map<string, CaseResult>();
  for (const c of cases) {
    const own = rounds.get(c.id) ?? [];
    const cost = costs.get(c.id) ?? [];
    results.set(c.id, {
      id: c.id,
      label: c.label,
      what: c.what,
      concurrency: c.concurrency ?? settings.concurrency,
      opsPerSec: median(own.map((x) => x.opsPerSec)),
      p50Ms: median(own.map((x) => x.p50Ms)),
      p99Ms: median(own.map((x) => x.p99Ms)),
      nodeUsPerOp: median(cost.map((x) => x.nodeUsPerOp)),
      redisUsPerOp: median(cost.map((x) => x.redisUsPerOp)),
      rounds: own,
    });
  }
  return results;
}
