import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type TestRedis } from '../../../../testing/redis-server.js';
import { countSocketWrites } from '../../../../testing/socket-writes.js';
import { redisStore } from '../../src/stores/redis.js';
import type { Algorithm, RateLimitStore, StoreWindow } from '../../src/types.js';
import { uniqueKey } from '../support/time.js';

// What the server received, from its own MONITOR feed: on a throwaway server of this file alone,
// so nothing else's commands are counted.
let server: TestRedis;
let client: Redis;
let monitor: Awaited<ReturnType<Redis['monitor']>>;
let store: RateLimitStore;
// Commands a script ran come with the source "lua": those are not round trips.
const seen: string[][] = [];

beforeAll(async () => {
  server = await startRedisServer();
  client = new Redis(server.url);
  monitor = await new Redis(server.url).monitor();
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source !== 'lua') seen.push(args);
  });
  store = redisStore({ client });
}, 30_000);
afterAll(async () => {
  monitor.disconnect();
  client.disconnect();
  await server.stop();
});

/** The commands `action` sent, between two ECHOes around it (MONITOR reports in order, late). */
async function commandsOf(action: () => Promise<unknown>): Promise<string[][]> {
  const before = uniqueKey('before');
  const after = uniqueKey('after');
  await client.echo(before);
  await action();
  await client.echo(after);
  const at = (marker: string) => seen.findIndex((c) => c.includes(marker));
  for (let i = 0; i < 100 && at(after) === -1; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(at(before)).toBeGreaterThanOrEqual(0);
  expect(at(after)).toBeGreaterThan(at(before));
  return seen.slice(at(before) + 1, at(after));
}

const THREE: StoreWindow[] = [
  { limit: 10, periodMs: 60_000 },
  { limit: 20, periodMs: 3_600_000 },
  { limit: 30, periodMs: 86_400_000 },
];

describe('redis store round trips', () => {
  it.each<Algorithm>(['fixed-window', 'sliding-window', 'token-bucket'])(
    'sends one EVALSHA per three-window consume, peek, adjust and reset (%s)',
    async (algorithm) => {
      const key = uniqueKey(`one-${algorithm}`);
      const request = { key, algorithm, windows: THREE, cost: 1, blockMs: 60_000 };
      // First use of each script loads it (NOSCRIPT, then EVAL): not what is measured.
      await store.consume(request);
      await store.peek(request);
      await store.adjust({ key, algorithm, windows: THREE, points: 1 });
      await store.reset({ key, windows: THREE });
      for (const action of [
        () => store.consume(request),
        () => store.consume(request),
        () => store.peek(request),
        () => store.adjust({ key, algorithm, windows: THREE, points: -1 }),
        () => store.reset({ key, windows: THREE }),
      ]) {
        const commands = await commandsOf(action);
        expect(commands.map((c) => c[0]?.toLowerCase())).toEqual(['evalsha']);
      }
    },
  );
});

describe('redis store socket writes', () => {
  it('sends the checks of one tick in one socket write, on every algorithm', async () => {
    const counts = countSocketWrites(client);
    try {
      for (const algorithm of ['fixed-window', 'sliding-window', 'token-bucket'] as const) {
        for (const windows of [THREE.slice(0, 1), THREE]) {
          const request = (i: number) => ({
            key: uniqueKey(`turn-${algorithm}-${i}`),
            algorithm,
            windows,
            cost: 1,
            blockMs: 0,
          });
          // Loads the scripts (NOSCRIPT, then EVAL, one each): not what is measured.
          await store.consume(request(-1));
          counts.reset();
          const answers = await Promise.all(
            Array.from({ length: 40 }, (_, i) => store.consume(request(i))),
          );
          expect(answers.every((a) => a.allowed)).toBe(true);
          const label = `${algorithm}, ${windows.length} window(s)`;
          expect({ label, writes: counts.writes + counts.batches }).toEqual({ label, writes: 1 });
        }
      }
    } finally {
      counts.restore();
    }
  });
});
