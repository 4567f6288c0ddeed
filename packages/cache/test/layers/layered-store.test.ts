import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheStore } from '../../src/types.js';
import {
  connect,
  redisUrl,
  sleep,
  startInstance,
  textOf,
  uniqueNames,
  until,
  valueUntil,
} from './context.js';

// Two instances of one app in this process, each with its own l1 and bus listener, on one
// Redis: what one writes, the other must stop serving from its l1.
let redis: Redis;
beforeAll(async () => {
  redis = await connect(redisUrl());
});
afterAll(() => redis.disconnect());

async function pair(options: { l1TtlMs?: number; wrapL2?: (l2: CacheStore) => CacheStore } = {}) {
  const names = uniqueNames();
  const a = await startInstance({ l2Client: redis, busClient: redis, ...names, ...options });
  const b = await startInstance({ l2Client: redis, busClient: redis, ...names, ...options });
  /** Writes l2 behind every l1's back, as a lost message would leave it. */
  const behind = (key: string, text: string) =>
    redis.set(names.prefix + key, valueUntil(text), 'PX', 60_000);
  return {
    a,
    b,
    behind,
    ...names,
    async close() {
      await a.close();
      await b.close();
    },
  };
}

describe('layered store', () => {
  it('answers hits from l1, and fills l1 from l2 on a miss', async () => {
    const ctx = await pair();
    await ctx.behind('post:1', 'v1');
    expect(textOf(await ctx.b.store.get('post:1'))).toBe('v1'); // miss: l2, then into l1
    await ctx.behind('post:1', 'v2');
    expect(textOf(await ctx.b.store.get('post:1'))).toBe('v1'); // hit: l1, no round trip
    await ctx.a.store.set('post:2', valueUntil('mine'), 60_000);
    await ctx.behind('post:2', 'changed');
    expect(textOf(await ctx.a.store.get('post:2'))).toBe('mine'); // a set fills the writer's l1
    await ctx.close();
  });

  it('decodes each l1 copy once, and a new copy again', async () => {
    const ctx = await pair();
    const decoded: string[] = [];
    const decode = (value: string) => {
      decoded.push(textOf(value) as string);
      return { text: textOf(value) };
    };
    await ctx.a.store.set('post:3', valueUntil('v1'), 60_000);
    const first = ctx.a.store.peekL1Decoded('post:3', decode);
    expect(first).toEqual({ text: 'v1' });
    expect(ctx.a.store.peekL1Decoded('post:3', decode)).toBe(first); // the same form, not decoded again
    await ctx.a.store.set('post:3', valueUntil('v2'), 60_000);
    expect(ctx.a.store.peekL1Decoded('post:3', decode)).toEqual({ text: 'v2' });
    // Another instance's write evicts this copy: nothing is answered from the old form.
    await ctx.b.store.set('post:3', valueUntil('v3'), 60_000);
    await until(() => ctx.a.store.peekL1Decoded('post:3', decode) === undefined, 'eviction');
    expect(decoded).toEqual(['v1', 'v2']);
    await ctx.close();
  });

  it("never keeps an l1 copy past the value's own lifetime", async () => {
    const ctx = await pair();
    await redis.set(`${ctx.prefix}short`, valueUntil('v1', 150), 'PX', 60_000);
    expect(textOf(await ctx.b.store.get('short'))).toBe('v1');
    await ctx.behind('short', 'v2');
    await sleep(200);
    expect(textOf(await ctx.b.store.get('short'))).toBe('v2');
    await ctx.close();
  });

  it.each([
    ['set', (s: CacheStore) => s.set('posts:alice:1', valueUntil('new'), 60_000)],
    ['delete', (s: CacheStore) => s.delete(['posts:alice:1'])],
    ['deletePattern', (s: CacheStore) => s.deletePattern('posts:alice:*')],
    ['deleteTags', (s: CacheStore) => s.deleteTags(['alice'])],
    ['clear', (s: CacheStore) => s.clear()],
  ])("a %s on one instance evicts the other's l1 copy", async (_, write) => {
    const ctx = await pair();
    await ctx.a.store.set('posts:alice:1', valueUntil('old'), 60_000, { tags: ['alice'] });
    await ctx.a.store.set('posts:bob:1', valueUntil('bob'), 60_000, { tags: ['bob'] });
    expect(textOf(await ctx.b.store.get('posts:alice:1'))).toBe('old'); // b's l1 copy, untagged
    expect(textOf(await ctx.b.store.get('posts:bob:1'))).toBe('bob');
    await until(() => ctx.b.remote.length === 2, "b hearing a's two sets");
    await write(ctx.a.store);
    await until(() => ctx.b.remote.length === 3, "b hearing a's write");
    const now = textOf(await ctx.b.store.get('posts:alice:1'));
    expect(now).toBe(textOf(await ctx.a.store.get('posts:alice:1')));
    expect(now).not.toBe('old');
    await ctx.close();
  });

  it('a tag message leaves the copies of other tags when their tags are known', async () => {
    const ctx = await pair();
    await ctx.b.store.set('k:1', valueUntil('one'), 60_000, { tags: ['t1'] });
    await ctx.b.store.set('k:2', valueUntil('two'), 60_000, { tags: ['t2'] });
    await ctx.behind('k:2', 'changed');
    await ctx.a.store.deleteTags(['t1']);
    await until(() => ctx.b.remote.some((m) => (m as { tags?: string[] }).tags), 'the tag message');
    expect(textOf(await ctx.b.store.get('k:2'))).toBe('two'); // still b's own l1 copy
    expect(await ctx.b.store.get('k:1')).toBeUndefined();
    await ctx.close();
  });

  it('a set refused by its mark stores nothing in either level and tells no one', async () => {
    const ctx = await pair();
    const mark = await ctx.a.store.mark('m:1', []);
    await ctx.a.store.delete(['m:1']);
    await until(() => ctx.b.remote.length === 1, 'the delete');
    expect(await ctx.a.store.set('m:1', valueUntil('stale'), 60_000, { since: mark })).toBe(false);
    expect(await redis.get(`${ctx.prefix}m:1`)).toBeNull();
    expect(await ctx.a.l1.get('m:1')).toBeUndefined();
    await sleep(50);
    expect(ctx.b.remote).toHaveLength(1);
    await ctx.close();
  });

  it('without a bus, l1 copies live at most l1TtlMs', async () => {
    const names = uniqueNames();
    const solo = await startInstance({ l2Client: redis, ...names, l1TtlMs: 150 });
    expect(solo.store.coherent).toBe(false);
    await solo.store.set('k', valueUntil('v1'), 60_000);
    await redis.set(`${names.prefix}k`, valueUntil('v2'), 'PX', 60_000);
    expect(textOf(await solo.store.get('k'))).toBe('v1');
    await sleep(200);
    expect(textOf(await solo.store.get('k'))).toBe('v2');
    await solo.close();
  });

  it('logs a failed publish (throttled) and never throws it', async () => {
    const names = uniqueNames();
    const busClient = await connect(redisUrl());
    const a = await startInstance({ l2Client: redis, busClient, ...names });
    busClient.disconnect(); // publishing is refused now; l2 still answers
    expect(await a.store.set('k:1', valueUntil('v'), 60_000)).toBe(true);
    expect(await a.store.delete(['k:1'])).toBe(1);
    await until(
      () => a.logger.warn.mock.calls.some(([, m]) => /publish failed/.test(m)),
      'a warning',
    );
    await sleep(20);
    const publishWarnings = a.logger.warn.mock.calls.filter(([, m]) => /publish failed/.test(m));
    expect(publishWarnings).toHaveLength(1);
    await a.close();
  });
});

describe('refill after eviction', () => {
  /** An l2 whose reads wait at a gate after Redis answered them. */
  function gatedReads() {
    let open: () => void = () => {};
    let gate = Promise.resolve();
    let reached: () => void = () => {};
    let atGate = new Promise<void>((resolve) => {
      reached = resolve;
    });
    return {
      close() {
        gate = new Promise((resolve) => {
          open = resolve;
        });
        atGate = new Promise((resolve) => {
          reached = resolve;
        });
      },
      open: () => open(),
      get atGate() {
        return atGate;
      },
      wrap: (l2: CacheStore): CacheStore => ({
        ...l2,
        async get(key) {
          const value = await l2.get(key);
          reached();
          await gate;
          return value;
        },
      }),
    };
  }

  it("a read that began before another instance's write never puts its value in l1", async () => {
    const gate = gatedReads();
    const ctx = await pair({ wrapL2: gate.wrap });
    await ctx.a.store.set('post:1', valueUntil('old'), 60_000);
    await until(() => ctx.b.remote.length === 1, 'the first set');
    gate.close();
    const read = ctx.b.store.get('post:1'); // reads `old` from Redis, then waits
    await gate.atGate;
    await ctx.a.store.set('post:1', valueUntil('new'), 60_000);
    await until(() => ctx.b.remote.length === 2, "b evicting on a's set");
    gate.open();
    expect(textOf(await read)).toBe('old'); // that read began before the write: fine
    expect(await ctx.b.l1.get('post:1')).toBeUndefined(); // but it did not fill l1
    expect(textOf(await ctx.b.store.get('post:1'))).toBe('new');
    await ctx.close();
  });

  it("a read that began before this instance's own write or delete never fills l1", async () => {
    const gate = gatedReads();
    const ctx = await pair({ wrapL2: gate.wrap });
    for (const write of [
      (s: CacheStore) => s.set('post:1', valueUntil('mine'), 60_000),
      (s: CacheStore) => s.delete(['post:1']),
    ]) {
      await ctx.behind('post:1', 'old');
      await ctx.b.l1.clear(); // the last round's copy: this round's read must go to l2
      gate.close();
      const read = ctx.b.store.get('post:1');
      await gate.atGate;
      await write(ctx.b.store);
      gate.open();
      expect(textOf(await read)).toBe('old');
      expect(textOf(await ctx.b.store.get('post:1'))).not.toBe('old');
    }
    await ctx.close();
  });

  it('a read that began before a clear, a tag or a pattern message never fills l1', async () => {
    const gate = gatedReads();
    const ctx = await pair({ wrapL2: gate.wrap });
    const writes = [
      (s: CacheStore) => s.clear(),
      (s: CacheStore) => s.deleteTags(['t']),
      (s: CacheStore) => s.deletePattern('post:*'),
    ];
    for (const [i, write] of writes.entries()) {
      await ctx.behind('post:1', 'old');
      await ctx.b.l1.clear(); // the last round's copy: this round's read must go to l2
      gate.close();
      const read = ctx.b.store.get('post:1');
      await gate.atGate;
      await write(ctx.a.store);
      await until(() => ctx.b.remote.length === i + 1, 'the message');
      await ctx.behind('post:1', 'after');
      gate.open();
      expect(textOf(await read)).toBe('old');
      expect(textOf(await ctx.b.store.get('post:1'))).toBe('after');
    }
    await ctx.close();
  });
});
