import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../../../../testing/tcp-proxy.js';
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

// Instance `b` listens through a TCP proxy the tests cut or freeze; its l2 link and instance
// `a` stay direct, so writes go on and their messages are really lost to `b`.
let redis: Redis;
beforeAll(async () => {
  redis = await connect(redisUrl());
});
afterAll(() => redis.disconnect());

async function outageContext(l1TtlMs: number) {
  const { hostname, port } = new URL(redisUrl());
  const proxy: TcpProxy = await startTcpProxy({ host: hostname, port: Number(port || 6379) });
  const busViaProxy = new Redis(proxy.url, { maxRetriesPerRequest: 1 });
  busViaProxy.on('error', () => {}); // the app's own client: its errors are the app's to log
  const names = uniqueNames();
  const a = await startInstance({ l2Client: redis, busClient: redis, ...names });
  const b = await startInstance({
    l2Client: redis,
    busClient: busViaProxy,
    ...names,
    l1TtlMs,
    heartbeat: '100 ms',
  });
  expect(b.store.coherent).toBe(true);
  return {
    a,
    b,
    proxy,
    async close() {
      await a.close();
      await b.close();
      busViaProxy.disconnect();
      await proxy.close();
    },
  };
}

describe('bus outage', () => {
  it('while the bus is down, l1 copies are served only within l1TtlMs of being stored', async () => {
    const ctx = await outageContext(1_500);
    await ctx.a.store.set('k:1', valueUntil('v1'), 60_000);
    await until(() => ctx.b.remote.length === 1, "b hearing a's set"); // or it evicts b's copy
    const storedAt = Date.now();
    expect(textOf(await ctx.b.store.get('k:1'))).toBe('v1'); // b's copy, an hour of lifetime
    ctx.proxy.cut();
    await until(() => !ctx.b.store.coherent, 'b seeing its bus down');
    await ctx.a.store.set('k:1', valueUntil('v2'), 60_000); // b never hears of it
    await sleep(50);
    if (Date.now() - storedAt < 1_400) expect(textOf(await ctx.b.store.get('k:1'))).toBe('v1');
    await sleep(storedAt + 1_550 - Date.now());
    expect(textOf(await ctx.b.store.get('k:1'))).toBe('v2');
    // A copy made while down lives l1TtlMs too, not the value's hour.
    const copiedAt = Date.now();
    await ctx.a.store.set('k:1', valueUntil('v3'), 60_000);
    if (Date.now() - copiedAt < 1_400) expect(textOf(await ctx.b.store.get('k:1'))).toBe('v2');
    await sleep(copiedAt + 1_550 - Date.now());
    expect(textOf(await ctx.b.store.get('k:1'))).toBe('v3');
    expect(ctx.b.logger.warn).toHaveBeenCalledWith(
      expect.anything(),
      expect.stringMatching(/down/),
    );
    await ctx.close();
  });

  it('when the bus is back, l1 was cleared: what it missed is not served', async () => {
    const ctx = await outageContext(60_000);
    await ctx.a.store.set('k:1', valueUntil('before'), 60_000);
    await until(() => ctx.b.remote.length === 1, "b hearing a's set");
    expect(textOf(await ctx.b.store.get('k:1'))).toBe('before');
    ctx.proxy.cut();
    await until(() => !ctx.b.store.coherent, 'b seeing its bus down');
    await ctx.a.store.set('k:1', valueUntil('during'), 60_000); // lost to b
    await sleep(50);
    expect(textOf(await ctx.b.store.get('k:1'))).toBe('before'); // within l1TtlMs: allowed
    ctx.proxy.restore();
    await until(() => ctx.b.store.coherent, 'b seeing its bus back', 10_000);
    expect(textOf(await ctx.b.store.get('k:1'))).toBe('during');
    // And messages flow again.
    await ctx.a.store.set('k:1', valueUntil('after'), 60_000);
    await until(async () => textOf(await ctx.b.store.get('k:1')) === 'after', 'the next message');
    await ctx.close();
  });

  it('a frozen link (nothing closes) counts as down after the heartbeat, and recovers', async () => {
    const ctx = await outageContext(60_000);
    await ctx.a.store.set('k:1', valueUntil('before'), 60_000);
    await until(() => ctx.b.remote.length === 1, "b hearing a's set");
    expect(textOf(await ctx.b.store.get('k:1'))).toBe('before');
    ctx.proxy.freeze();
    await until(() => !ctx.b.store.coherent, 'the heartbeat noticing', 2_000);
    await ctx.a.store.set('k:1', valueUntil('during'), 60_000);
    ctx.proxy.restore();
    await until(() => ctx.b.store.coherent, 'b seeing its bus back', 15_000);
    expect(textOf(await ctx.b.store.get('k:1'))).toBe('during');
    await ctx.close();
  });
});
