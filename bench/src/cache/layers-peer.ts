/**
 * The second instance of the propagation benchmark, in its own process: it reads every key
 * another instance invalidates as soon as the bus tells it, and reports when it saw which
 * value (`performance.timeOrigin + performance.now()`: one clock for both processes).
 */
import { Redis } from 'ioredis';
import { oursLayered } from './layers-ours.js';

const { BENCH_REDIS_URL, BENCH_PREFIX, BENCH_CHANNEL } = process.env;
if (!BENCH_REDIS_URL || !BENCH_PREFIX || !BENCH_CHANNEL) throw new Error('BENCH_* missing');
const client = new Redis(BENCH_REDIS_URL);
const store = await oursLayered(client, {
  prefix: BENCH_PREFIX,
  channel: BENCH_CHANNEL,
  maxEntries: 1_000,
  onRemote: () => {
    // The keys are the peer's `prop:*`: read the one it just changed.
    void store.get('prop').then((value) => {
      const at = performance.timeOrigin + performance.now();
      process.send?.({ seen: value?.slice(value.indexOf('\n') + 1), at });
    });
  },
});
process.on('message', async (message: { close?: boolean }) => {
  if (!message.close) return;
  await store.close();
  client.disconnect();
  process.disconnect();
});
process.send?.({ ready: true });
