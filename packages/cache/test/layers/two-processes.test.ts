import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy } from '../../../../testing/tcp-proxy.js';
import type { CacheStore } from '../../src/types.js';
import {
  connect,
  redisUrl,
  startInstance,
  textOf,
  uniqueNames,
  until,
  valueUntil,
} from './context.js';
import { type ForkedInstance, forkInstance } from './fork-instance.js';

// This process is instance `a`; instance `b` is another Node process on the same Redis.
let redis: Redis;
beforeAll(async () => {
  redis = await connect(redisUrl());
});
afterAll(() => redis.disconnect());

async function twoProcesses() {
  const names = uniqueNames();
  const a = await startInstance({ l2Client: redis, busClient: redis, ...names });
  const b: ForkedInstance = await forkInstance({ redisUrl: redisUrl(), ...names });
  return {
    a,
    b,
    prefix: names.prefix,
    /** Writes l2 behind both l1s' backs: only an l1 copy can still answer the old value. */
    behind: (key: string, text: string) =>
      redis.set(names.prefix + key, valueUntil(text), 'PX', 60_000),
    async close() {
      await b.close();
      await a.close();
    },
  };
}

describe('bus across two processes', () => {
  it.each([
    ['set', (s: CacheStore) => s.set('posts:alice:1', valueUntil('new'), 60_000)],
    ['delete', (s: CacheStore) => s.delete(['posts:alice:1'])],
    ['deletePattern', (s: CacheStore) => s.deletePattern('posts:alice:*')],
    ['deleteTags', (s: CacheStore) => s.deleteTags(['alice'])],
    ['clear', (s: CacheStore) => s.clear()],
  ])("a %s in one process evicts the other process's l1", async (_, write) => {
    const ctx = await twoProcesses();
    await ctx.a.store.set('posts:alice:1', valueUntil('old'), 60_000, { tags: ['alice'] });
    await until(() => ctx.b.remote.length === 1, "b hearing a's set");
    expect(textOf((await ctx.b.call('get', 'posts:alice:1')) as string)).toBe('old');
    await ctx.behind('posts:alice:1', 'behind');
    // Still `old`: b answers from its l1, so only a bus message can change what it serves.
    expect(textOf((await ctx.b.call('get', 'posts:alice:1')) as string)).toBe('old');
    await write(ctx.a.store);
    await until(() => ctx.b.remote.length === 2, "b hearing a's write");
    const seen = textOf((await ctx.b.call('get', 'posts:alice:1')) as string | undefined);
    expect(seen).not.toBe('old');
    expect(seen).toBe(textOf((await redis.get(`${ctx.prefix}posts:alice:1`)) ?? undefined));
    await ctx.close();
  });

  it("a write in the forked process evicts this process's l1", async () => {
    const ctx = await twoProcesses();
    await ctx.behind('k:1', 'old');
    expect(textOf(await ctx.a.store.get('k:1'))).toBe('old');
    await ctx.behind('k:1', 'behind');
    expect(textOf(await ctx.a.store.get('k:1'))).toBe('old');
    await ctx.b.call('set', 'k:1', valueUntil('from b'), 60_000);
    await until(() => ctx.a.remote.length === 1, "a hearing b's set");
    expect(textOf(await ctx.a.store.get('k:1'))).toBe('from b');
    await ctx.close();
  });

  it("the other process's bus down: copies within l1TtlMs, then Redis; back: l1 cleared", async () => {
    const names = uniqueNames();
    const { hostname, port } = new URL(redisUrl());
    const proxy = await startTcpProxy({ host: hostname, port: Number(port || 6379) });
    const a = await startInstance({ l2Client: redis, busClient: redis, ...names });
    const b = await forkInstance({
      redisUrl: redisUrl(),
      busUrl: proxy.url,
      ...names,
      l1TtlMs: 3_000,
    });
    const read = async (key: string) => textOf((await b.call('get', key)) as string | undefined);
    await a.store.set('k:short', valueUntil('v1'), 60_000);
    await a.store.set('k:kept', valueUntil('v1'), 60_000);
    await until(() => b.remote.length === 2, "b hearing a's sets");
    const copiedAt = Date.now();
    expect([await read('k:short'), await read('k:kept')]).toEqual(['v1', 'v1']);
    proxy.cut();
    await until(async () => (await b.call('coherent')) === false, 'b seeing its bus down');
    await a.store.set('k:short', valueUntil('v2'), 60_000); // lost to b
    await a.store.set('k:kept', valueUntil('v2'), 60_000); // lost to b
    if (Date.now() - copiedAt < 2_900) expect(await read('k:kept')).toBe('v1'); // still a copy
    await until(async () => (await read('k:short')) === 'v2', 'the copy falling back to Redis');
    expect(Date.now() - copiedAt).toBeGreaterThanOrEqual(3_000);
    // A copy made while down, then the bus back: it is cleared, not left to its l1TtlMs.
    await a.store.set('k:new', valueUntil('v1'), 60_000);
    const newCopiedAt = Date.now();
    expect(await read('k:new')).toBe('v1');
    await a.store.set('k:new', valueUntil('v2'), 60_000); // lost to b
    proxy.restore();
    await until(async () => (await b.call('coherent')) === true, 'b seeing its bus back', 10_000);
    expect(await read('k:new')).toBe('v2');
    // Well within the copy's l1TtlMs: the clear, not its expiry, is what dropped it.
    expect(Date.now() - newCopiedAt).toBeLessThan(3_000);
    await b.close();
    await a.close();
    await proxy.close();
  });
});
