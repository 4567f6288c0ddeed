import { buildRow, type RowRef } from './isolated/ref.js';
import { RowHost } from './isolated/row-host.js';
import { type Operation, type RoundResult, runRound } from './measure.js';
import type { BenchRedis } from './redis.js';
import type { Settings } from './settings.js';
import { median } from './stats.js';

/** One row of a throughput table. */
export interface BenchCase {
  id: string;
  label: string;
  /** What the row measures, printed in the table. */
  what: string;
  /**
   * Where the row is built: in a process of its own (the default; see isolated/host.ts), or in
   * this one under `--shared-process`.
   */
  build: RowRef;
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
  /**
   * Redis server CPU per operation, microseconds: the server process's own CPU time (commands
   * and their socket I/O) on the bench's throwaway server, `INFO commandstats` time (commands
   * only) on a `REDIS_URL` server. NaN for rows without Redis.
   */
  redisUsPerOp: number;
  /** Node CPU plus Redis CPU per operation (the median of the rounds' sums). */
  costUsPerOp: number;
  rounds: RoundResult[];
}

/** Cost of one round, load-independent where throughput is not. */
interface RoundCost {
  nodeUsPerOp: number;
  redisUsPerOp: number;
}

/** A running total of Redis CPU microseconds: the server process's where it can be read. */
function redisMeter(
  redis: Pick<BenchRedis, 'commandUsec' | 'processCpuUs'> | undefined,
): () => Promise<number> {
  if (redis === undefined) return async () => Number.NaN;
  const { processCpuUs } = redis;
  return processCpuUs ? async () => processCpuUs() : () => redis.commandUsec();
}

/** One row ready to time: in its own process, or in this one (`--shared-process`). */
interface Runner {
  round(concurrency: number, durationMs: number): Promise<{ result: RoundResult; cpuUs: number }>;
  stop(): Promise<void>;
}

async function startRunner(
  c: BenchCase,
  settings: Settings,
  redis: Pick<BenchRedis, 'url' | 'connect'> | undefined,
): Promise<Runner> {
  const url = redis?.url ?? '';
  if (settings.isolate) return RowHost.start(c.build, url, c.label);
  const op: Operation = await buildRow(c.build, {
    redisUrl: url,
    connect: (options) => {
      if (!redis) throw new Error(`bench row "${c.label}" needs Redis`);
      return redis.connect(options);
    },
  });
  return {
    async round(concurrency, durationMs) {
      globalThis.gc?.();
      const before = process.cpuUsage();
      const result = await runRound(op, concurrency, durationMs);
      const cpu = process.cpuUsage(before);
      return { result, cpuUs: cpu.user + cpu.system };
    },
    async stop() {},
  };
}

/**
 * Builds every case (each in `processesPerRow` processes of its own unless `--shared-process`,
 * each process taking the rounds in turn), warms each up,
 * then runs the rounds interleaved (round 1 of every case, then round 2, ...) so a burst of
 * load from elsewhere on the machine hits all cases alike, and reports the median of the rounds
 * for throughput, p50 and p99 separately. Each round also records what an operation cost in its
 * process's CPU and in Redis's CPU (the server process's CPU time, or its command time on a
 * `REDIS_URL` server): throughput on shared cores moves with outside load, these costs much less.
 * One case runs at a time; the others' processes wait idle.
 */
export async function runCases(
  cases: readonly BenchCase[],
  settings: Settings,
  log: (line: string) => void,
  redis?: Pick<BenchRedis, 'url' | 'connect' | 'commandUsec' | 'processCpuUs'>,
): Promise<Map<string, CaseResult>> {
  const redisUsec = redisMeter(redis);
  const runners = new Map<string, Runner[]>();
  try {
    const processes = settings.isolate ? settings.processesPerRow : 1;
    for (const c of cases) {
      log(`  build and warm up ${c.label}`);
      const own: Runner[] = [];
      for (let p = 0; p < processes; p++) {
        const runner = await startRunner(c, settings, redis);
        own.push(runner);
        await runner.round(c.concurrency ?? settings.concurrency, settings.warmupMs);
      }
      runners.set(c.id, own);
    }
    const rounds = new Map<string, RoundResult[]>(cases.map((c) => [c.id, []]));
    const costs = new Map<string, RoundCost[]>(cases.map((c) => [c.id, []]));
    for (let r = 0; r < settings.rounds; r++) {
      for (const c of cases) {
        const redisBefore = await redisUsec();
        // The row's processes in turn: round r in process r mod processes.
        const own = runners.get(c.id) as Runner[];
        const { result, cpuUs } = await (own[r % own.length] as Runner).round(
          c.concurrency ?? settings.concurrency,
          settings.roundMs,
        );
        const redisAfter = await redisUsec();
        rounds.get(c.id)?.push(result);
        costs.get(c.id)?.push({
          nodeUsPerOp: cpuUs / result.ops,
          redisUsPerOp: (redisAfter - redisBefore) / result.ops,
        });
      }
      log(`  round ${r + 1}/${settings.rounds} done`);
    }
    return summarizeCases(cases, settings, rounds, costs);
  } finally {
    await Promise.all([...runners.values()].flat().map((runner) => runner.stop()));
  }
}

function summarizeCases(
  cases: readonly BenchCase[],
  settings: Settings,
  rounds: Map<string, RoundResult[]>,
  costs: Map<string, RoundCost[]>,
): Map<string, CaseResult> {
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
      costUsPerOp: median(
        cost.map((x) => x.nodeUsPerOp + (Number.isNaN(x.redisUsPerOp) ? 0 : x.redisUsPerOp)),
      ),
      rounds: own,
    });
  }
  return results;
}
