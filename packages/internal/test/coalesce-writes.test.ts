import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startRedisServer, type TestRedis } from '../../../testing/redis-server.js';
import { countSocketWrites } from '../../../testing/socket-writes.js';
import { startTcpProxy } from '../../../testing/tcp-proxy.js';
import { coalesceWrites } from '../src/coalesce-writes.js';

// A throwaway server of this file alone.
let server: TestRedis & { port: number };
beforeAll(async () => {
  server = await startRedisServer();
}, 30_000);
afterAll(async () => {
  await server.stop();
});

async function connected(): Promise<Redis> {
  const client = new Redis({ port: server.port, host: '127.0.0.1' });
  await client.ping();
  return client;
}

describe('coalesceWrites', () => {
  it("sends a tick's commands in one socket write; without it, one write each", async () => {
    const client = await connected();
    const beforeSend = coalesceWrites(client);
    const counts = countSocketWrites(client);

    const alone = Array.from({ length: 50 }, (_, i) => client.incr(`alone:${i}`));
    await Promise.all(alone);
    // The control: the counter sees ioredis's one write per command.
    expect(counts.writes).toBeGreaterThanOrEqual(25);

    counts.reset();
    const together = Array.from({ length: 50 }, (_, i) => {
      beforeSend();
      return client.incr(`together:${i}`);
    });
    expect(await Promise.all(together)).toEqual(Array.from({ length: 50 }, () => 1));
    expect(counts.writes + counts.batches).toBe(1);
    counts.restore();
    client.disconnect();
  });

  it('keeps the order of every command on the client, coalesced or not', async () => {
    const client = await connected();
    const beforeSend = coalesceWrites(client);
    const key = `order:${Date.now()}`;
    const replies: Promise<unknown>[] = [];
    for (let i = 0; i < 3; i++) {
      beforeSend();
      replies.push(client.incr(key));
      // Another user of the same client, not going through beforeSend: written in place.
      replies.push(client.get(key));
    }
    expect(await Promise.all(replies)).toEqual([1, '1', 2, '2', 3, '3']);
    client.disconnect();
  });

  it('uncorks after the tick, so a later tick is written on its own', async () => {
    const client = await connected();
    const beforeSend = coalesceWrites(client);
    beforeSend();
    const first = client.ping();
    expect(client.stream.writableCorked).toBe(1);
    await first;
    expect(client.stream.writableCorked).toBe(0);
    beforeSend();
    expect(client.stream.writableCorked).toBe(1);
    await client.ping();
    client.disconnect();
  });

  it('leaves a client that is not connected yet to its offline queue', async () => {
    const client = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
    const beforeSend = coalesceWrites(client);
    beforeSend();
    const reply = client.ping();
    expect(client.status).not.toBe('ready');
    expect(await reply).toBe('PONG');
    client.disconnect();
  });

  it('settles every coalesced command when the link drops before the write', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: server.port });
    const client = new Redis(proxy.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    await client.ping();
    const beforeSend = coalesceWrites(client);
    const pending = Array.from({ length: 20 }, (_, i) => {
      beforeSend();
      return client.incr(`cut:${i}`);
    });
    proxy.cut();
    client.stream.destroy();
    const settled = await Promise.race([
      Promise.allSettled(pending),
      new Promise((resolve) => setTimeout(() => resolve('hung'), 5_000)),
    ]);
    expect(settled).not.toBe('hung');
    for (const outcome of settled as PromiseSettledResult<unknown>[]) {
      expect(outcome.status).toBe('rejected');
    }
    client.disconnect();
    await proxy.close();
  });

  it('writes by the end of the tick, not the end of the event loop turn', async () => {
    // Held until setImmediate, a command would wait behind every other I/O callback of the
    // turn, however long they take, before it is even sent.
    const client = await connected();
    const beforeSend = coalesceWrites(client);
    const corkedAfterTick = await new Promise<number>((resolve) => {
      setTimeout(() => {
        beforeSend();
        void client.ping();
        process.nextTick(() => resolve(client.stream.writableCorked));
      }, 0);
    });
    expect(corkedAfterTick).toBe(0);
    client.disconnect();
  });

  it('keeps working under fake timers installed after it loaded', async () => {
    const client = await connected();
    const beforeSend = coalesceWrites(client);
    const realSetTimeout = globalThis.setTimeout;
    // vitest's defaults: setTimeout, setImmediate, setInterval, Date and their clears.
    vi.useFakeTimers();
    try {
      beforeSend();
      const reply = await Promise.race([
        client.ping(),
        new Promise((resolve) => realSetTimeout(() => resolve('hung'), 2_000)),
      ]);
      expect(reply).toBe('PONG');
    } finally {
      vi.useRealTimers();
    }
    expect(client.stream.writableCorked).toBe(0);
    client.disconnect();
  });

  it('writes a burst of large values as it goes, not all at the end of the tick', async () => {
    const client = await connected();
    const beforeSend = coalesceWrites(client);
    const counts = countSocketWrites(client);
    const big = 'x'.repeat(512 * 1024);
    const replies = Array.from({ length: 8 }, (_, i) => {
      beforeSend();
      return client.set(`big:${i}`, big);
    });
    expect(await Promise.all(replies)).toEqual(Array.from({ length: 8 }, () => 'OK'));
    // 4 MiB in all, flushed past every 1 MiB: several writes, far fewer than 8.
    expect(counts.writes + counts.batches).toBeGreaterThanOrEqual(2);
    expect(counts.writes + counts.batches).toBeLessThan(8);
    counts.restore();
    client.disconnect();
  });

  it("writes a tick's commands when the process exits in that tick", async () => {
    const script = fileURLToPath(new URL('./support/exit-in-tick.ts', import.meta.url));
    const key = `exit:${Date.now()}`;
    await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', script, String(server.port), key],
      {
        timeout: 20_000,
      },
    );
    const client = await connected();
    expect(await client.get(key)).toBe('written');
    client.disconnect();
  });
});
