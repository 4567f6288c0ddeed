import { fork } from 'node:child_process';
import type { BenchRedis } from '../redis.js';
import { quantile } from '../stats.js';
import { busUp, oursCache } from './layers-ours.js';
import { makePage } from './page.js';

/** Changes made and not measured first: the peer's l1 warm, both processes' paths hot. */
const WARM_UP = 20;
const SEEN_TIMEOUT_MS = 5_000;

/** p50, p99 and max of the change-to-seen times, milliseconds. */
export interface Propagation {
  samples: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * How long a change on one instance takes to be seen by another process: this process `set`s
 * a new page through its `createCache` (l1 + bus); a forked instance on the same Redis and
 * channel polls `get` all along, untold, and reports when it first saw each page. One change at
 * a time: the next is made once the peer has seen the last.
 */
export async function propagation(redis: BenchRedis, samples: number): Promise<Propagation> {
  const names = { prefix: 'bench:kc-prop:', channel: 'bench:kc-prop:bus', key: 'prop' };
  const writer = oursCache(await redis.connect(), { ...names, maxEntries: 100 });
  const peer = fork(new URL('./layers-peer.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      BENCH_REDIS_URL: redis.url,
      BENCH_PREFIX: names.prefix,
      BENCH_CHANNEL: names.channel,
      BENCH_KEY: names.key,
    },
  });
  const seen = new Map<number, number>();
  let notify = () => {};
  let exited: Error | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    peer.once('exit', (code) => {
      exited = new Error(`propagation peer exited with ${code}`);
      reject(exited);
      notify();
    });
    peer.on('message', (message: { ready?: boolean; seen?: number; at?: number }) => {
      if (message.ready) resolve();
      if (message.seen !== undefined && message.at !== undefined) {
        seen.set(message.seen, message.at);
        notify();
      }
    });
  });
  const latencies: number[] = [];
  try {
    await ready;
    await busUp(await redis.connect(), names.channel, 2);
    for (let s = 0; s < WARM_UP + samples; s++) {
      const startedAt = performance.timeOrigin + performance.now();
      if (!(await writer.set(names.key, makePage(s), { ttl: 3_600 }))) {
        throw new Error(`propagation: set ${s} failed`);
      }
      const deadline = Date.now() + SEEN_TIMEOUT_MS;
      while (!seen.has(s)) {
        if (exited) throw exited;
        if (Date.now() > deadline) throw new Error(`propagation: the peer never saw change ${s}`);
        await new Promise<void>((resolve) => {
          notify = resolve;
          setTimeout(resolve, 50);
        });
      }
      if (s >= WARM_UP) latencies.push((seen.get(s) as number) - startedAt);
      seen.clear();
      // Spaced like separate writes, not a burst: each sample is one change on its own.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  } finally {
    if (!exited) {
      const gone = new Promise((resolve) => peer.once('exit', resolve));
      peer.send({ close: true });
      await gone;
    }
    await writer.close();
  }
  latencies.sort((a, b) => a - b);
  return {
    samples: latencies.length,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: latencies[latencies.length - 1] ?? Number.NaN,
  };
}
