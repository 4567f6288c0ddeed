import { luaScript } from '@kit/internal';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type TestRedis } from '../../../../testing/redis-server.js';
import { countSocketWrites } from '../../../../testing/socket-writes.js';
import { SHAPED_AFTER_USES, SHAPED_SCRIPTS_MAX } from '../../src/stores/fixed-window-shapes.js';
import { shapedFixedWindows } from '../../src/stores/lua/fixed-windows.js';
import { memoryStore } from '../../src/stores/memory.js';
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
  // From the client once it is ready and idle: a connection still running its ready check
  // (INFO) while MONITOR starts feeds the monitor a line before ioredis expects one ("Command
  // queue state error", seen under load in CI).
  await client.ping();
  monitor = await client.monitor();
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source !== 'lua') seen.push(args);
  });
  store = redisStore({ client });
}, 30_000);
afterAll(async () => {
  monitor?.disconnect();
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

describe('redis store, fixed windows with the rule written into the script', () => {
  const shapedSha = (windows: readonly StoreWindow[]) =>
    luaScript(
      shapedFixedWindows(
        windows.map((w) => w.limit),
        windows.map((w) => w.periodMs),
      ),
    ).sha;
  const fixed = (windows: readonly StoreWindow[], cost = 1, blockMs = 0) => ({
    key: uniqueKey('shaped'),
    algorithm: 'fixed-window' as const,
    windows,
    cost,
    blockMs,
  });
  /** Puts a rule in use: its consumes up to the point where it gets its own script. */
  const warm = (target: RateLimitStore, windows: readonly StoreWindow[]) =>
    Promise.all(Array.from({ length: SHAPED_AFTER_USES }, () => target.consume(fixed(windows))));

  it('sends the window keys alone, and cost and block only when they are not 1 and 0', async () => {
    const windows = THREE.map((w) => ({ ...w }));
    const request = fixed(windows);
    // A rule not yet in use runs the generic script, limits and periods sent.
    const [early] = await commandsOf(() => store.consume(request));
    expect(early?.slice(-4)).toEqual(['10', '20', '30', '60000,3600000,86400000']);
    await warm(store, windows);
    const [plain] = await commandsOf(() => store.consume(request));
    expect(plain).toEqual([
      'evalsha',
      shapedSha(windows),
      '3',
      ...(await client.keys(`${request.key}*`)).sort(sortLikeWindows(request.key)),
    ]);
    const costly = { ...request, cost: 2, blockMs: 5_000 };
    const [sent] = await commandsOf(() => store.consume(costly));
    expect(sent?.slice(0, 3)).toEqual(['evalsha', shapedSha(windows), '3']);
    expect(sent?.slice(-2)).toEqual(['2', '5000']);
    // A peek keeps the generic script: it reads Redis's clock anyway.
    const [peeked] = await commandsOf(() => store.peek(request));
    expect(peeked?.[1]).not.toBe(shapedSha(windows));
  });

  it('answers what the in-memory store answers, ties, refusals and costs included', async () => {
    const memory = memoryStore();
    // The first two windows tie at every step (the first is reported) and refuse together.
    const windows: StoreWindow[] = [
      { limit: 4, periodMs: 60_000 },
      { limit: 4, periodMs: 3_600_000 },
      { limit: 6, periodMs: 86_400_000 },
    ];
    await warm(store, windows);
    const redisRequest = fixed(windows);
    const memoryRequest = { ...redisRequest };
    const project = (r: { allowed: boolean; remaining: number; window: number }) => ({
      allowed: r.allowed,
      remaining: r.remaining,
      window: r.window,
    });
    for (const cost of [1, 2, 1, 1, 3, 1]) {
      const fromRedis = await store.consume({ ...redisRequest, cost });
      const fromMemory = await memory.consume({ ...memoryRequest, cost });
      expect({ cost, ...project(fromRedis) }).toEqual({ cost, ...project(fromMemory) });
    }
    expect(await client.script('EXISTS', shapedSha(windows))).toEqual([1]);
  });

  it(`writes at most ${SHAPED_SCRIPTS_MAX} scripts, none for limits over 2^40`, async () => {
    const own = redisStore({ client });
    const shapes = Array.from({ length: SHAPED_SCRIPTS_MAX + 2 }, (_, i): StoreWindow[] => [
      { limit: 10_000 + i, periodMs: 60_000 },
      { limit: 100_000, periodMs: 3_600_000 },
    ]);
    for (const windows of shapes) await warm(own, windows);
    const exists = (windows: readonly StoreWindow[]) =>
      client.script('EXISTS', shapedSha(windows)) as Promise<number[]>;
    expect(await exists(shapes[SHAPED_SCRIPTS_MAX - 1]!)).toEqual([1]);
    expect(await exists(shapes[SHAPED_SCRIPTS_MAX]!)).toEqual([0]);
    const past = fixed(shapes[SHAPED_SCRIPTS_MAX]!);
    expect((await own.consume(past)).remaining).toBe(10_000 + SHAPED_SCRIPTS_MAX - 1);
    // Already known shapes keep theirs.
    const [sent] = await commandsOf(() => own.consume(fixed(shapes[0]!)));
    expect(sent?.[1]).toBe(shapedSha(shapes[0]!));

    const huge: StoreWindow[] = [
      { limit: 2 ** 41, periodMs: 60_000 },
      { limit: 2 ** 41 + 1, periodMs: 3_600_000 },
    ];
    await warm(redisStore({ client }), huge);
    const hugeRequest = fixed(huge);
    await own.consume(hugeRequest);
    expect((await own.consume(hugeRequest)).remaining).toBe(2 ** 41 - 2);
    expect(await exists(huge)).toEqual([0]);
  });

  it('counts a window pushed onto a rule already in use', async () => {
    const windows: StoreWindow[] = [
      { limit: 5, periodMs: 60_000 },
      { limit: 9, periodMs: 3_600_000 },
    ];
    await warm(store, windows);
    windows.push({ limit: 1, periodMs: 86_400_000 });
    const request = fixed(windows);
    expect((await store.consume(request)).allowed).toBe(true);
    const refused = await store.consume(request);
    expect({ allowed: refused.allowed, window: refused.window }).toEqual({
      allowed: false,
      window: 2,
    });
  });
});

/** Window 1's key first, then the others by period, as the store names them. */
function sortLikeWindows(base: string) {
  const rank = (key: string) =>
    /^:\d+$/.test(key.slice(base.length)) ? 0 : Number(/:w(\d+):/.exec(key)?.[1]);
  return (a: string, b: string) => rank(a) - rank(b);
}

describe('redis store, a rule written into a script is never code', () => {
  it('keeps values that are not integers out of the script source', async () => {
    const canary = uniqueKey('canary');
    await client.set(canary, '1');
    const injected = "60000', redis.call('FLUSHALL'), '";
    const hour = { limit: 9, periodMs: 3_600_000 };
    const shapes = [
      // A period, then a limit, that are not integers, beside a well-formed window.
      [{ limit: 5, periodMs: injected as unknown as number }, hour],
      [{ limit: `1 + redis.call('FLUSHALL')` as unknown as number, periodMs: 60_000 }, hour],
    ];
    for (const windows of shapes) {
      const request = { key: uniqueKey('injected'), algorithm: 'fixed-window', windows } as const;
      // Twice: the first call of a key takes the script's slow path, where the periods are read.
      for (let i = 0; i < 2; i++) {
        await store.consume({ ...request, cost: 1, blockMs: 0 }).catch(() => undefined);
      }
    }
    expect(await client.get(canary)).toBe('1');
  });

  it('writes each limit as it was read once, not as a getter answers later', async () => {
    const canary = uniqueKey('canary-getter');
    await client.set(canary, '1');
    let reads = 0;
    // Well-formed while checked, a payload on a later read (the sixth is where a store that
    // read the limit again to write the source would take it), and for good from read 200.
    const shifty = {
      periodMs: 60_000,
      get limit() {
        reads++;
        const payload = reads === 6 || reads >= 200;
        return (payload ? "(redis.call('FLUSHALL') and 5)" : 5) as number;
      },
    };
    const windows = [shifty, { limit: 9, periodMs: 3_600_000 }];
    for (let i = 0; i < 3 * SHAPED_AFTER_USES; i++) {
      await store
        .consume({
          key: uniqueKey('shifty'),
          algorithm: 'fixed-window',
          windows,
          cost: 1,
          blockMs: 0,
        })
        .catch(() => undefined);
    }
    expect(reads).toBeGreaterThan(3 * SHAPED_AFTER_USES);
    expect(await client.get(canary)).toBe('1');
  });

  it('refuses to write anything but whole numbers into a script', () => {
    expect(() =>
      shapedFixedWindows([5, '1 or 1' as unknown as number], [60_000, 3_600_000]),
    ).toThrow('not a whole number');
    expect(() => shapedFixedWindows([5], [1.5])).toThrow('not a whole number');
  });
});
