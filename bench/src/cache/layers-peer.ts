/**
 * The second instance of the propagation benchmark, in its own process: its own `createCache`
 * with a memory layer and the Redis bus, on the writer's Redis and channel. Nobody tells it when
 * a change is made: it polls `get` continuously and reports each new page it sees, and when
 * (`performance.timeOrigin + performance.now()`: one clock for both processes).
 */
import { Redis } from 'ioredis';
import { oursCache } from './layers-ours.js';
import type { Page } from './page.js';

const { BENCH_REDIS_URL, BENCH_PREFIX, BENCH_CHANNEL, BENCH_KEY } = process.env;
if (!BENCH_REDIS_URL || !BENCH_PREFIX || !BENCH_CHANNEL || !BENCH_KEY) {
  throw new Error('BENCH_* missing');
}
const key = BENCH_KEY;
const client = new Redis(BENCH_REDIS_URL);
const appCache = oursCache(client, {
  prefix: BENCH_PREFIX,
  channel: BENCH_CHANNEL,
  maxEntries: 100,
});

let polling = true;
async function poll(): Promise<void> {
  let last: number | undefined;
  while (polling) {
    const page = await appCache.get<Page>(key);
    if (page !== undefined && page.page !== last) {
      const at = performance.timeOrigin + performance.now();
      last = page.page;
      process.send?.({ seen: last, at });
    }
    // Yields to I/O (the bus's messages) between reads; most reads are l1 hits of microseconds.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
const polled = poll();

process.on('message', async (message: { close?: boolean }) => {
  if (!message.close) return;
  polling = false;
  await polled;
  await appCache.close();
  client.disconnect();
  process.disconnect();
});
await client.ping();
process.send?.({ ready: true });
