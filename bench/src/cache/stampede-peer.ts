/**
 * One instance of the cross-process stampede benchmark, in its own process: on each `go` it
 * fires `concurrency` concurrent `getOrSet` calls of one cold key and reports how many times its
 * loader ran.
 */
import { createCache } from '@kit/cache';
import { redisStore } from '@kit/cache/redis';
import { Redis } from 'ioredis';

const { BENCH_REDIS_URL, BENCH_PREFIX } = process.env;
if (!BENCH_REDIS_URL || !BENCH_PREFIX) throw new Error('BENCH_* missing');
const client = new Redis(BENCH_REDIS_URL);
const appCache = createCache({ store: redisStore({ client, prefix: BENCH_PREFIX }) });

interface Go {
  key: string;
  concurrency: number;
  singleFlight: 'instance' | 'global';
  loadMs: number;
}

process.on('message', async (message: { go?: Go; close?: boolean }) => {
  if (message.close) {
    await appCache.close();
    client.disconnect();
    process.disconnect();
    return;
  }
  const go = message.go;
  if (!go) return;
  let loads = 0;
  const loader = async () => {
    loads++;
    await new Promise((resolve) => setTimeout(resolve, go.loadMs));
    return { key: go.key, at: Date.now() };
  };
  const values = await Promise.all(
    Array.from({ length: go.concurrency }, () =>
      appCache.getOrSet(go.key, loader, { singleFlight: go.singleFlight, ttl: 60 }),
    ),
  );
  process.send?.({ loads, answered: values.length });
});
await client.ping();
process.send?.({ ready: true });
