import { type ChildProcess, fork } from 'node:child_process';
import type { BenchRedis } from '../redis.js';

/** Cross-process stampede: N instances × M concurrent cold misses of one key, per round. */
export interface StampedeResult {
  processes: number;
  concurrency: number;
  rounds: number;
  /** Loader runs per round, summed over the processes, one entry per round. */
  loads: { instance: number[]; global: number[] };
}

function start(redis: BenchRedis, prefix: string): Promise<ChildProcess> {
  const child = fork(new URL('./stampede-peer.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_REDIS_URL: redis.url, BENCH_PREFIX: prefix },
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`stampede peer exited with ${code}`)));
    child.once('message', () => resolve(child));
  });
}

function round(child: ChildProcess, go: object): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (message: { loads: number }) => resolve(message.loads));
    child.send({ go });
  });
}

/**
 * Forks `processes` instances of an app on one Redis, then, per round, has each fire
 * `concurrency` concurrent `getOrSet` calls of one new key at once, with `singleFlight`
 * `instance` (each process loads once) and `global` (want one load in all).
 */
export async function stampede(
  redis: BenchRedis,
  { processes = 4, concurrency = 100, rounds = 5, loadMs = 100 } = {},
): Promise<StampedeResult> {
  const prefix = `bench:kc-stampede:${process.pid}:`;
  const children = await Promise.all(Array.from({ length: processes }, () => start(redis, prefix)));
  const loads = { instance: [] as number[], global: [] as number[] };
  try {
    for (const singleFlight of ['instance', 'global'] as const) {
      for (let r = 0; r < rounds; r++) {
        const go = { key: `${singleFlight}-${r}`, concurrency, singleFlight, loadMs };
        const counts = await Promise.all(children.map((child) => round(child, go)));
        loads[singleFlight].push(counts.reduce((sum, count) => sum + count, 0));
      }
    }
  } finally {
    for (const child of children) {
      child.removeAllListeners('exit');
      child.send({ close: true });
    }
    await Promise.all(
      children.map((child) => new Promise((resolve) => child.once('exit', resolve))),
    );
  }
  return { processes, concurrency, rounds, loads };
}
