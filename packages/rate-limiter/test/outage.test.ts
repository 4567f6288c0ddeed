import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startRedisServer } from '../../../testing/redis-server.js';
import { createRateLimiter, type StoreErrorPolicy } from '../src/index.js';
import { redisStore } from '../src/stores/redis.js';
import { recordingLogger } from './support/logger.js';
import { uniqueKey } from './support/time.js';

const TIMEOUT = 150;
// Generous slack for a loaded CI machine; the point is "about the timeout", not "seconds".
const ANSWER_WITHIN = TIMEOUT + 250;

function limiterOn(client: Redis, onStoreError: StoreErrorPolicy) {
  const logger = recordingLogger();
  const limiter = createRateLimiter({
    store: redisStore({ client }),
    onStoreError,
    storeTimeout: `${TIMEOUT} ms`,
    logger,
    prefix: uniqueKey(onStoreError).replace(/[{}]/g, ''),
    defaultRule: { limit: 2, period: 3600 },
  });
  return { limiter, logger };
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await work();
  return [value, performance.now() - started];
}

const expectations: Record<StoreErrorPolicy, (allowed: boolean[]) => void> = {
  allow: (allowed) => expect(allowed).toEqual([true, true, true]),
  deny: (allowed) => expect(allowed).toEqual([false, false, false]),
  // The per-process fallback still counts: limit 2.
  memory: (allowed) => expect(allowed).toEqual([true, true, false]),
};

describe('store outage', () => {
  describe('Redis killed mid-test', () => {
    let server: Awaited<ReturnType<typeof startRedisServer>>;
    let client: Redis;
    beforeAll(async () => {
      server = await startRedisServer();
      client = new Redis(server.url);
      client.on('error', () => {});
      await client.ping();
    });
    afterAll(async () => {
      client.disconnect();
      await server.stop();
    });

    it('answers from Redis while it is up', async () => {
      const { limiter } = limiterOn(client, 'deny');
      const result = await limiter.check({ path: '/a', ip: '1.1.1.1' });
      expect(result).toMatchObject({ allowed: true, fallback: null, remaining: 1 });
    });

    it('reloads its scripts after SCRIPT FLUSH (NOSCRIPT)', async () => {
      const store = redisStore({ client });
      const req = {
        key: uniqueKey('noscript'),
        algorithm: 'token-bucket',
        windows: [{ limit: 5, periodMs: 60_000 }],
        cost: 1,
        blockMs: 0,
      } as const;
      await store.consume(req);
      await client.script('FLUSH');
      expect((await store.consume(req)).remaining).toBe(3);
      // The fixed window has its own consume and peek scripts.
      const fixed = {
        ...req,
        key: uniqueKey('noscript-fixed'),
        algorithm: 'fixed-window',
      } as const;
      await store.consume(fixed);
      await client.script('FLUSH');
      expect((await store.peek(fixed)).remaining).toBe(4);
      await client.script('FLUSH');
      expect((await store.consume(fixed)).remaining).toBe(3);
      // Fixed windows run a script written for their rule's limits and periods.
      const windows = {
        ...fixed,
        key: uniqueKey('noscript-windows'),
        windows: [
          { limit: 5, periodMs: 60_000 },
          { limit: 9, periodMs: 3_600_000 },
        ],
      } as const;
      await store.consume(windows);
      await client.script('FLUSH');
      expect((await store.consume(windows)).remaining).toBe(3);
    });

    it('applies each policy within the timeout when a paused Redis does not answer', async () => {
      for (const policy of ['allow', 'deny', 'memory'] as const) {
        const { limiter, logger } = limiterOn(client, policy);
        const pauser = new Redis(server.url);
        await pauser.call('CLIENT', 'PAUSE', '1000', 'ALL');
        const answers: boolean[] = [];
        for (let i = 0; i < 3; i++) {
          const [result, ms] = await timed(() => limiter.check({ path: '/slow', ip: '2.2.2.2' }));
          expect(ms).toBeLessThan(ANSWER_WITHIN);
          expect(result.fallback).toBe(policy);
          answers.push(result.allowed);
        }
        expectations[policy](answers);
        expect(logger.errors).toHaveLength(1);
        expect(logger.errors[0]).toContain(`did not answer within ${TIMEOUT} ms`);
        await pauser.call('CLIENT', 'UNPAUSE');
        pauser.disconnect();
      }
    });

    it('applies each policy at once after the server is killed', async () => {
      await server.stop();
      for (const policy of ['allow', 'deny', 'memory'] as const) {
        const { limiter, logger } = limiterOn(client, policy);
        const answers: boolean[] = [];
        for (let i = 0; i < 3; i++) {
          const [result, ms] = await timed(() => limiter.check({ path: '/down', ip: '3.3.3.3' }));
          expect(ms).toBeLessThan(ANSWER_WITHIN);
          expect(result.fallback).toBe(policy);
          answers.push(result.allowed);
        }
        expectations[policy](answers);
        expect(logger.errors).toHaveLength(1);
        // reset() must not throw during an outage either.
        await expect(limiter.reset({ path: '/down', ip: '3.3.3.3' })).resolves.toBeUndefined();
      }
    });
  });

  it('applies each policy at once against a closed port', async () => {
    const port = await freePort();
    const client = new Redis({ port, host: '127.0.0.1', retryStrategy: () => 50 });
    client.on('error', () => {});
    try {
      for (const policy of ['allow', 'deny', 'memory'] as const) {
        const { limiter, logger } = limiterOn(client, policy);
        const answers: boolean[] = [];
        for (let i = 0; i < 3; i++) {
          const [result, ms] = await timed(() => limiter.check({ path: '/closed', ip: '4.4.4.4' }));
          expect(ms).toBeLessThan(ANSWER_WITHIN);
          expect(result.fallback).toBe(policy);
          answers.push(result.allowed);
        }
        expectations[policy](answers);
        // Logged once (at most every 10 s), whether the first check timed out or failed fast.
        expect(logger.errors).toHaveLength(1);
        expect(logger.errors[0]).toMatch(/not connected|did not answer/);
      }
    } finally {
      client.disconnect();
    }
  });
});
