import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  it("sends a turn's commands in one socket write; without it, one write each", async () => {
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

  it('uncorks after the turn, so a later turn is written on its own', async () => {
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
});
