import { Cluster, type Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectRedisCluster } from '../../../../testing/redis-cluster.js';
import { createCache } from '../../src/index.js';
import { redisStore } from '../../src/stores/redis.js';
import { runCacheStoreSuite } from '../../src/test-suite.js';
import { registerDataSuite } from '../data/data-suite.js';

let client: Cluster;
let nodes: Array<{ host: string; port: number }>;
let close: (() => Promise<void>) | undefined;
const unique = () => `test:cache:cluster:${Math.random().toString(36).slice(2)}:`;

beforeAll(async () => {
  ({ client, nodes, close } = await connectRedisCluster());
}, 60_000);
afterAll(() => close?.());

runCacheStoreSuite(
  { describe, it, expect },
  {
    name: 'redis cluster (index)',
    makeStore: async () => redisStore({ client, prefix: unique() }),
  },
);
registerDataSuite('redis cluster', async () => {
  const prefix = unique();
  return {
    store: redisStore({ client, prefix }),
    shared: () => ({ store: redisStore({ client, prefix }) }),
  };
});
runCacheStoreSuite(
  { describe, it, expect },
  {
    name: 'redis cluster (SCAN only)',
    makeStore: async () => redisStore({ client, prefix: unique(), index: false }),
  },
);

/** How many keys under `prefix` each master holds, in master order. */
async function perMaster(prefix: string): Promise<number[]> {
  return await Promise.all(
    client.nodes('master').map(async (node: Redis) => {
      let count = 0;
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        count += keys.length;
      } while (cursor !== '0');
      return count;
    }),
  );
}

async function commandCalls(command: string): Promise<number> {
  const stats = await Promise.all(
    client.nodes('master').map(async (node: Redis) => node.info('commandstats')),
  );
  return stats.reduce((sum, text) => {
    const match = new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(text);
    return sum + Number(match?.[1] ?? 0);
  }, 0);
}

describe('redisStore on a 3-master Redis Cluster', () => {
  async function fill(prefix: string, users: string[], pages: number) {
    const store = redisStore({ client, prefix });
    const writes: Promise<unknown>[] = [];
    for (const user of users) {
      for (let page = 1; page <= pages; page++) {
        writes.push(store.set(`${user}_posts:page_${page}:${user}`, 'v', 60_000));
      }
    }
    await Promise.all(writes);
    return store;
  }

  it('SCAN path deletes the matches held by every master, and only them', async () => {
    const prefix = unique();
    const store = await fill(prefix, ['carol', 'dave'], 1_200);
    const before = await perMaster(prefix);
    // Entries and index sets both spread over the three masters.
    expect(before.every((count) => count > 100)).toBe(true);
    expect(await store.deletePatternByScan('carol_posts:*')).toBe(1_200);
    expect(await store.get('carol_posts:page_7:carol')).toBeUndefined();
    expect(await store.get('dave_posts:page_7:dave')).toBe('v');
    const entriesLeft = (await perMaster(`${prefix}carol_`)).reduce((a, b) => a + b, 0);
    expect(entriesLeft).toBe(0);
  });

  it('index path deletes a pattern across slots without any SCAN', async () => {
    const prefix = unique();
    const store = await fill(prefix, ['erin', 'frank'], 1_200);
    await Promise.all(client.nodes('master').map((node: Redis) => node.config('RESETSTAT')));
    expect(await store.deletePattern('erin_posts:*')).toBe(1_200);
    expect(await commandCalls('scan')).toBe(0);
    expect((await perMaster(`${prefix}erin_`)).reduce((a, b) => a + b, 0)).toBe(0);
    expect(await store.get('frank_posts:page_1200:frank')).toBe('v');
    expect(await client.zcard(`${prefix}\u0000idx:erin_posts:`)).toBe(0);
  });

  it('invalidates own key, extra keys and patterns through createCache', async () => {
    const prefix = unique();
    const store = await fill(prefix, ['gina', 'hank'], 20);
    await store.set('gina_post_cache:5', 'v', 60_000);
    await store.set('gina_profile:gina', 'v', 60_000);
    const logger = { warn: vi.fn(), error: vi.fn() };
    const appCache = createCache({ store, logger });
    const update = appCache.cache(
      {
        keyPrefix: '{username}_post_cache',
        resourceIdName: 'id',
        toInvalidateExtra: { '{username}_profile': '{username}' },
        patternToInvalidateExtra: ['{username}_posts:*'],
      },
      async () => ({ ok: true }),
    );
    await update({ method: 'PATCH', params: { username: 'gina', id: '5' } });
    expect((await perMaster(`${prefix}gina_`)).reduce((a, b) => a + b, 0)).toBe(0);
    expect((await perMaster(`${prefix}hank_`)).reduce((a, b) => a + b, 0)).toBe(20);
    expect(logger.warn).not.toHaveBeenCalled();
    const read = appCache.cache({ keyPrefix: 'post', resourceIdName: 'id' }, async () => ({}));
    expect((await read({ params: { id: '1' } })).state).toBe('MISS');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await read({ params: { id: '1' } })).state).toBe('HIT');
  });

  it('reloads its script on every master after SCRIPT FLUSH', async () => {
    const prefix = unique();
    const store = redisStore({ client, prefix });
    await store.set('ivy_posts:page_1:ivy', 'v', 60_000);
    await Promise.all(client.nodes('master').map((node: Redis) => node.script('FLUSH')));
    await fill(prefix, ['ivy'], 30);
    expect(await store.deletePattern('ivy_posts:*')).toBe(30);
  });

  it('honours a keyPrefix set on the Cluster client, on both paths', async () => {
    const prefixed = new Cluster(nodes, { keyPrefix: 'app:' });
    await new Promise((resolve) => prefixed.once('ready', resolve));
    try {
      const prefix = unique();
      for (const index of [true, false]) {
        const store = redisStore({ client: prefixed, prefix, index });
        await store.set('jo_posts:page_1:jo', 'v', 60_000);
        expect(await client.get(`app:${prefix}jo_posts:page_1:jo`)).not.toBeNull();
        expect(await store.deletePattern('jo_posts:*')).toBe(1);
        expect(await client.get(`app:${prefix}jo_posts:page_1:jo`)).toBeNull();
      }
    } finally {
      prefixed.disconnect();
    }
  });
});
