import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheError } from '../../src/index.js';
import {
  connect,
  redisUrl,
  sleep,
  startInstance,
  uniqueNames,
  until,
  valueUntil,
} from './context.js';
import { textOf } from './values.js';

let redis: Redis;
beforeAll(async () => {
  redis = await connect(redisUrl());
});
afterAll(() => redis.disconnect());

/** Decodes to a fresh frozen object each time, counting the calls. */
function counting() {
  const decoder = {
    calls: 0,
    decode: (value: string) => {
      decoder.calls++;
      return Object.freeze({ text: textOf(value) });
    },
  };
  return decoder;
}

async function pairWithMemo(maxEntries = 100, l1TtlMs = 5_000) {
  const names = uniqueNames();
  const decoder = counting();
  const memo = { decode: decoder.decode, maxEntries };
  const a = await startInstance({ l2Client: redis, busClient: redis, ...names, memo });
  const b = await startInstance({ l2Client: redis, busClient: redis, ...names, memo, l1TtlMs });
  return { a, b, decoder, names, close: async () => Promise.all([a.close(), b.close()]) };
}

describe('getDecoded (decoded-form memo)', () => {
  it('decodes a copy once and answers its later hits with the same object', async () => {
    const ctx = await pairWithMemo();
    await ctx.b.store.set('k:1', valueUntil('v1'), 60_000);
    const first = await ctx.b.store.getDecoded('k:1');
    expect(first).toEqual({ text: 'v1' });
    expect(await ctx.b.store.getDecoded('k:1')).toBe(first);
    expect(ctx.decoder.calls).toBe(1);
    await ctx.close();
  });

  it("never answers with a form older than l1's copy: eviction, overwrite, refill", async () => {
    const ctx = await pairWithMemo();
    /** A read, then a hit of what it left in l1: the hit is the one the memo answers. */
    const readTwice = async () => [
      await ctx.b.store.getDecoded('k:1'),
      await ctx.b.store.getDecoded('k:1'),
    ];
    await ctx.a.store.set('k:1', valueUntil('v1'), 60_000);
    await until(() => ctx.b.remote.length === 1, 'the first set');
    expect(await readTwice()).toEqual([{ text: 'v1' }, { text: 'v1' }]);
    await ctx.a.store.set('k:1', valueUntil('v2'), 60_000); // remote: b's copy evicted
    await until(() => ctx.b.remote.length === 2, 'the second set');
    expect(await readTwice()).toEqual([{ text: 'v2' }, { text: 'v2' }]);
    await ctx.b.store.set('k:1', valueUntil('v3'), 60_000); // local overwrite
    expect(await readTwice()).toEqual([{ text: 'v3' }, { text: 'v3' }]);
    await ctx.b.l1.clear(); // dropped behind the memo's back, then refilled from l2
    await redis.set(`${ctx.names.prefix}k:1`, valueUntil('v4'), 'PX', 60_000);
    expect(await readTwice()).toEqual([{ text: 'v4' }, { text: 'v4' }]);
    await ctx.close();
  });

  it('stays bounded and still answers keys it forgot', async () => {
    const ctx = await pairWithMemo(2);
    for (const key of ['k:1', 'k:2', 'k:3']) await ctx.b.store.set(key, valueUntil(key), 60_000);
    for (const key of ['k:1', 'k:2', 'k:3']) await ctx.b.store.getDecoded(key);
    const calls = ctx.decoder.calls;
    expect(await ctx.b.store.getDecoded('k:1')).toEqual({ text: 'k:1' }); // forgotten: decoded again
    expect(ctx.decoder.calls).toBe(calls + 1);
    await ctx.close();
  });

  it('serves no memoized form of a copy the bus-down rule no longer trusts', async () => {
    const names = uniqueNames();
    const decoder = counting();
    const solo = await startInstance({
      l2Client: redis,
      ...names,
      l1TtlMs: 100,
      memo: { decode: decoder.decode, maxEntries: 10 },
    });
    await solo.store.set('k:1', valueUntil('v1'), 60_000);
    expect(await solo.store.getDecoded('k:1')).toEqual({ text: 'v1' });
    await redis.set(`${names.prefix}k:1`, valueUntil('v2'), 'PX', 60_000);
    await sleep(150);
    expect(await solo.store.getDecoded('k:1')).toEqual({ text: 'v2' });
    await solo.close();
  });

  it('refuses getDecoded without the memo option, naming it', async () => {
    const solo = await startInstance({ l2Client: redis, ...uniqueNames() });
    await expect(solo.store.getDecoded('k')).rejects.toThrow(CacheError);
    await expect(solo.store.getDecoded('k')).rejects.toThrow(/option `memo`/);
    await solo.close();
  });
});
