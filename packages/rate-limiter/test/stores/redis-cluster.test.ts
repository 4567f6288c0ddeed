import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedisCluster } from '../../../../testing/redis-cluster.js';
import { createRateLimiter } from '../../src/index.js';
import { redisStore } from '../../src/stores/redis.js';
import { runRateLimitStoreSuite } from '../../src/test-suite/index.js';
import { uniqueKey } from '../support/time.js';

// A real three-master cluster: a script touching keys of two slots would fail with CROSSSLOT.
// The conformance suite includes 2,000 concurrent checks admitting exactly 100 per algorithm.
let client: Cluster;
let close: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ client, close } = await connectRedisCluster());
}, 60_000);
afterAll(() => close?.());

runRateLimitStoreSuite(
  { describe, it, expect },
  { name: 'redis cluster', makeStore: () => redisStore({ client }) },
);

describe('redis store on a cluster', () => {
  it('limits callers whose keys live on every master, one script per check', async () => {
    for (const algorithm of ['fixed-window', 'sliding-window', 'token-bucket'] as const) {
      const perAlgorithm = createRateLimiter({
        store: redisStore({ client }),
        prefix: uniqueKey(algorithm).replace(/[{}]/g, ''),
        defaultRule: { limit: 3, period: 3600 },
        algorithm,
      });
      const ips = Array.from({ length: 30 }, (_, i) => `198.51.100.${i}`);
      for (const ip of ips) {
        const allowed: boolean[] = [];
        for (let n = 0; n < 4; n++) {
          const result = await perAlgorithm.check({ path: '/api/v1/tasks/task', ip });
          expect(result.fallback).toBeNull();
          allowed.push(result.allowed);
        }
        expect(allowed, `${algorithm} ${ip}`).toEqual([true, true, true, false]);
      }
    }
    // Thirty callers spread their keys over the three masters.
    const masters = client.nodes('master');
    const counts = await Promise.all(masters.map(async (node) => (await node.dbsize()) as number));
    expect(counts.filter((count) => count > 0).length).toBe(3);
  });
});
