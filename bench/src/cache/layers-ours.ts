import { type CacheInstance, createCache } from '@kit/cache';
import { memoryStore } from '@kit/cache/memory';
import { redisBus, redisStore } from '@kit/cache/redis';
import type { Redis } from 'ioredis';
import type { Operation } from '../measure.js';
import { makePage, type Page } from './page.js';

/** `ttl` of every value the rows write and load, in seconds (the API's unit). */
const TTL_S = 3_600;

/** The key the rows cycle through, the same space as the peers' (`page-0` ... `page-N`). */
export const pageKey = (n: number): string => `page-${n}`;

/** Our data layer as an app builds it; `channel` adds the memory layer and the Redis bus. */
export function oursCache(
  client: Redis,
  options: { prefix: string; channel?: string; maxEntries: number; shareDecoded?: boolean },
): CacheInstance {
  const logger = {
    warn: (details: object, message: string) => console.error(message, details),
    error: (details: object, message: string) => console.error(message, details),
  };
  const store = redisStore({ client, prefix: options.prefix });
  if (options.channel === undefined) return createCache({ store, logger });
  return createCache({
    store,
    l1: memoryStore({ maxEntries: options.maxEntries }),
    bus: redisBus({ client, channel: options.channel }),
    shareDecoded: options.shareDecoded ?? false,
    logger,
  });
}

/**
 * Waits until `subscribers` instances listen on `channel` (`PUBSUB NUMSUB`, seen from Redis:
 * the API does not say when its bus is up), then a little longer for their clients to hear the
 * SUBSCRIBE reply. Until then an l1 copy lives only `l1Ttl` and is checked against the clock.
 */
export async function busUp(probe: Redis, channel: string, subscribers: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const [, count] = (await probe.pubsub('NUMSUB', channel)) as [string, number];
    if (Number(count) >= subscribers) break;
    if (Date.now() > deadline) throw new Error(`bench: the bus on ${channel} did not come up`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
}

/** One row of ours: `getOrSet` of a page already stored, as a hit. */
export interface OursRow {
  op: Operation;
  close(): Promise<void>;
}

/** Stores every page through `set`, checks a hit answers it, and returns the hit operation. */
async function hitRow(appCache: CacheInstance, keySpace: number): Promise<OursRow> {
  const keys = Array.from({ length: keySpace }, (_, n) => pageKey(n));
  for (let n = 0; n < keySpace; n++) {
    if (!(await appCache.set(keys[n] as string, makePage(n), { ttl: TTL_S }))) {
      throw new Error(`bench: set of ${keys[n]} failed`);
    }
  }
  // A loader run would mean the row measures misses: fail loudly instead.
  const miss = (): Page => {
    throw new Error('bench: getOrSet ran its loader on a stored key');
  };
  for (let n = 0; n < Math.min(100, keySpace); n++) {
    const page = await appCache.getOrSet(keys[n] as string, miss, { ttl: TTL_S });
    if (page.page !== n) throw new Error(`bench: ${keys[n]} answered page ${page.page}`);
  }
  return {
    op: (i) => {
      const n = i % keySpace;
      return appCache.getOrSet(keys[n] as string, () => makePage(n), { ttl: TTL_S });
    },
    close: () => appCache.close(),
  };
}

/** `getOrSet` hits on Redis, no memory layer: every hit a round trip. */
export function oursRedisHit(client: Redis, keySpace: number): Promise<OursRow> {
  return hitRow(oursCache(client, { prefix: 'bench:kc-redis:', maxEntries: keySpace }), keySpace);
}

/** `getOrSet` hits of the memory layer in front of Redis, the bus up. */
export async function oursL1Hit(
  client: Redis,
  probe: Redis,
  keySpace: number,
  shareDecoded = false,
): Promise<OursRow> {
  const name = shareDecoded ? 'kc-l1-shared' : 'kc-l1';
  const channel = `bench:${name}:bus`;
  const appCache = oursCache(client, {
    prefix: `bench:${name}:`,
    channel,
    maxEntries: keySpace * 2,
    shareDecoded,
  });
  // Before the pages are stored: the bus coming up clears l1 (messages may have been missed).
  await busUp(probe, channel, 1);
  return hitRow(appCache, keySpace);
}

/** `getOrSet` hits on `memoryStore` alone: no Redis at all. */
export function oursMemoryHit(keySpace: number): Promise<OursRow> {
  const appCache = createCache({ store: memoryStore({ maxEntries: keySpace * 2 }) });
  return hitRow(appCache, keySpace);
}
