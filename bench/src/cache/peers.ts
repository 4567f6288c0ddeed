import KeyvRedis from '@keyv/redis';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';
import { createCache } from 'cache-manager';
import type { Redis } from 'ioredis';
import { Keyv } from 'keyv';
import type { Operation } from '../measure.js';
import { makePage } from './page.js';

const TTL_MS = 3_600_000;

/** The floor: a bare GET of a stored JSON string and `JSON.parse`, straight on ioredis. */
export async function floorGet(client: Redis, keySpace: number): Promise<Operation> {
  const keys = Array.from({ length: keySpace }, (_, n) => `bench:cache:floor:page-${n}`);
  const pipeline = client.pipeline();
  for (let n = 0; n < keySpace; n++) {
    pipeline.set(keys[n] as string, JSON.stringify(makePage(n)), 'PX', TTL_MS);
  }
  await pipeline.exec();
  return async (i) => {
    const raw = await client.get(keys[i % keySpace] as string);
    return raw === null ? undefined : JSON.parse(raw);
  };
}

/** A bentocache with only a Redis (L2) layer: no in-process L1, so every hit is a round trip. */
export async function bentocacheL2(
  client: Redis,
  keySpace: number,
): Promise<{ getOrSet: Operation; get: Operation; close(): Promise<void> }> {
  const bento = new BentoCache({
    default: 'redis',
    stores: {
      redis: bentostore().useL2Layer(redisDriver({ connection: client, prefix: 'bench:bento' })),
    },
  });
  const getOrSet = await seedBento(bento, keySpace);
  return {
    getOrSet,
    get: (i) => bento.get({ key: `page-${i % keySpace}` }),
    // The driver was handed our connection: bentocache must not be the one to close it.
    close: async () => {},
  };
}

/** cache-manager 7 over Keyv with `@keyv/redis` (which brings its own node-redis connection). */
export async function cacheManagerKeyv(
  url: string,
  keySpace: number,
): Promise<{ wrap: Operation; get: Operation; close(): Promise<void> }> {
  const store = new KeyvRedis(url);
  const keyv = new Keyv({ store, namespace: 'bench:cm' });
  const cache = createCache({ stores: [keyv] });
  const keys = Array.from({ length: keySpace }, (_, n) => `page-${n}`);
  for (let n = 0; n < keySpace; n++) await cache.set(keys[n] as string, makePage(n), TTL_MS);
  return {
    wrap: (i) => {
      const n = i % keySpace;
      return cache.wrap(keys[n] as string, () => makePage(n), TTL_MS);
    },
    get: (i) => cache.get(keys[i % keySpace] as string),
    close: () => cache.disconnect().then(() => undefined),
  };
}

/** cache-manager 7 over an in-memory Keyv (its default Map store): its in-process setup. */
export async function cacheManagerMemory(
  keySpace: number,
): Promise<{ wrap: Operation; close(): Promise<void> }> {
  const cache = createCache({ stores: [new Keyv({ namespace: 'bench:cm-memory' })] });
  const keys = Array.from({ length: keySpace }, (_, n) => `page-${n}`);
  for (let n = 0; n < keySpace; n++) await cache.set(keys[n] as string, makePage(n), TTL_MS);
  return {
    wrap: (i) => {
      const n = i % keySpace;
      return cache.wrap(keys[n] as string, () => makePage(n), TTL_MS);
    },
    close: () => cache.disconnect().then(() => undefined),
  };
}

/** bentocache with a memory L1 in front of Redis and its Redis bus: its recommended setup. */
export async function bentocacheL1(
  url: string,
  keySpace: number,
): Promise<{ getOrSet: Operation; close(): Promise<void> }> {
  const { hostname, port } = new URL(url);
  const connection = { host: hostname, port: Number(port || 6379) };
  const bento = new BentoCache({
    default: 'layered',
    stores: {
      layered: bentostore()
        .useL1Layer(memoryDriver({ maxItems: keySpace * 2 }))
        .useL2Layer(redisDriver({ connection, prefix: 'bench:bento-l1' }))
        .useBus(redisBusDriver({ connection })),
    },
  });
  const getOrSet = await seedBento(bento, keySpace);
  return {
    getOrSet,
    // Its connections are its own (built from `connection`): disconnect closes them.
    close: () => bento.disconnect(),
  };
}

/** Stores every page in a bentocache, and returns its `getOrSet` hit over them. */
async function seedBento(
  bento: InstanceType<typeof BentoCache>,
  keySpace: number,
): Promise<Operation> {
  const keys = Array.from({ length: keySpace }, (_, n) => `page-${n}`);
  for (let n = 0; n < keySpace; n++) {
    await bento.set({ key: keys[n] as string, value: makePage(n), ttl: TTL_MS });
  }
  return (i) => {
    const n = i % keySpace;
    return bento.getOrSet({ key: keys[n] as string, factory: () => makePage(n), ttl: TTL_MS });
  };
}
