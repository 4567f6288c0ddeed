import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { redisStore } from '../../src/stores/redis.js';
import type { Algorithm, StoreRequest, StoreWindow } from '../../src/types.js';
import { roomInWindow, uniqueKey } from '../support/time.js';

// Two processes of an app: two clients, two stores, one Redis.
const url = inject('redisUrl');
const clientA = new Redis(url);
const clientB = new Redis(url);
const storeA = redisStore({ client: clientA });
const storeB = redisStore({ client: clientB });
afterAll(async () => {
  await clientA.quit();
  await clientB.quit();
});

const HOUR = 3_600_000;
const ALGORITHMS: Algorithm[] = ['fixed-window', 'sliding-window', 'token-bucket'];
const THREE: StoreWindow[] = [
  { limit: 10, periodMs: 60_000 },
  { limit: 20, periodMs: HOUR },
  { limit: 30, periodMs: 24 * HOUR },
];
const request = (
  key: string,
  algorithm: Algorithm,
  windows: readonly StoreWindow[],
  cost = 1,
  blockMs = 0,
): StoreRequest => ({ key, algorithm, windows, cost, blockMs });

describe('redis store, several windows and blocks', () => {
  it.each(ALGORITHMS)(
    'lays out every window under the base key, each with a TTL (%s)',
    async (algorithm) => {
      await roomInWindow(60_000, 5_000);
      const key = uniqueKey(`layout-${algorithm}`);
      const result = await storeA.consume(request(key, algorithm, THREE, 1, 5_000));
      expect(result.allowed).toBe(true);
      const now = Date.now();
      const start = (period: number) => now - (now % period);
      const expected = {
        'fixed-window': [
          `${key}:${start(60_000) / 1000}`,
          `${key}:w${HOUR}:${start(HOUR) / 1000}`,
          `${key}:w${24 * HOUR}:${start(24 * HOUR) / 1000}`,
        ],
        'sliding-window': [
          `${key}:s:${start(60_000)}`,
          `${key}:s${HOUR}:${start(HOUR)}`,
          `${key}:s${24 * HOUR}:${start(24 * HOUR)}`,
        ],
        'token-bucket': [`${key}:t`, `${key}:t${HOUR}`, `${key}:t${24 * HOUR}`],
      }[algorithm];
      expect((await clientA.keys(`${key}*`)).sort()).toEqual([...expected].sort());
      for (const k of expected) expect(await clientA.pttl(k)).toBeGreaterThan(0);
    },
  );

  it.each(ALGORITHMS)(
    'keeps the first window’s count when a rule gains a window (%s)',
    async (algorithm) => {
      await roomInWindow(60_000, 5_000);
      const key = uniqueKey(`grow-${algorithm}`);
      await storeA.consume(request(key, algorithm, [{ limit: 5, periodMs: 60_000 }], 3));
      const grown = await storeA.consume(request(key, algorithm, [THREE[0]!, THREE[1]!]));
      // 10 per minute with 3 + 1 spent, 20 per hour with 1: the minute is reported.
      expect(grown.window).toBe(0);
      expect(grown.remaining).toBe(6);
    },
  );

  it.each(ALGORITHMS)(
    'gives a block and a penalty set through one store to another (%s)',
    async (algorithm) => {
      await roomInWindow(HOUR, 5_000);
      const blocked = uniqueKey(`shared-block-${algorithm}`);
      const windows = [{ limit: 1, periodMs: HOUR }];
      await storeA.consume(request(blocked, algorithm, windows, 1, 30_000));
      expect((await storeA.consume(request(blocked, algorithm, windows, 1, 30_000))).allowed).toBe(
        false,
      );
      const pttl = await clientA.pttl(`${blocked}:b`);
      expect(pttl).toBeGreaterThan(25_000);
      expect(pttl).toBeLessThanOrEqual(30_000);
      // The other process: a rule of a bigger limit on the same key is still refused by the block.
      const other = await storeB.consume(
        request(blocked, algorithm, [{ limit: 9, periodMs: HOUR }], 1, 30_000),
      );
      expect(other.allowed).toBe(false);
      expect(other.retryAfterMs).toBeGreaterThan(25_000);
      expect((await storeB.peek(request(blocked, algorithm, windows, 1, 30_000))).allowed).toBe(
        false,
      );
      await storeB.reset({ key: blocked, windows });
      expect((await storeA.consume(request(blocked, algorithm, windows, 1, 30_000))).allowed).toBe(
        true,
      );

      const penalised = uniqueKey(`shared-penalty-${algorithm}`);
      await storeA.adjust({ key: penalised, algorithm, windows: THREE, points: 25 });
      const seen = await storeB.peek(request(penalised, algorithm, THREE));
      expect(seen.allowed).toBe(false);
      // Refused by the minute and the hour, reported by the one that refuses longer: the hour,
      // except in an hour's last minute, when a fixed minute and hour end together (a tie, which
      // goes to the first window).
      const minuteEnd = seen.at - (seen.at % 60_000) + 60_000;
      const hourEnd = seen.at - (seen.at % HOUR) + HOUR;
      const tie = algorithm === 'fixed-window' && minuteEnd === hourEnd;
      expect(seen.window).toBe(tie ? 0 : 1);
      const keys = await clientB.keys(`${penalised}*`);
      expect(keys).toHaveLength(3);
      // A penalty on a fresh key expires as a consume's state would: no key is left forever.
      for (const k of keys) expect(await clientB.pttl(k)).toBeGreaterThan(0);
      await storeB.adjust({ key: penalised, algorithm, windows: THREE, points: -25 });
      expect((await storeA.peek(request(penalised, algorithm, THREE))).remaining).toBe(10);
    },
  );
});
