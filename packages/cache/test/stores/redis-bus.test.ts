import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedisCluster } from '../../../../testing/redis-cluster.js';
import { startRedisServer } from '../../../../testing/redis-server.js';
import { CacheError } from '../../src/index.js';
import { redisBus } from '../../src/stores/redis-entry.js';
import type { BusMessage, CacheBus } from '../../src/types.js';
import { connect, redisUrl, sleep, until } from '../layers/context.js';

let redis: Redis;
beforeAll(async () => {
  redis = await connect(redisUrl());
});
afterAll(() => redis.disconnect());

const channel = () => `test:cache:bus:${Math.random().toString(36).slice(2)}`;

/** Starts `bus`, recording what it delivers and every state it reports. */
async function listen(bus: CacheBus) {
  const messages: BusMessage[] = [];
  const states: boolean[] = [];
  await bus.start(
    (message) => messages.push(message),
    (up) => states.push(up),
  );
  return { messages, states };
}

describe('redisBus', () => {
  it('delivers what the other instances publish, never its own, as sent', async () => {
    const name = channel();
    const [one, two] = [
      redisBus({ client: redis, channel: name }),
      redisBus({ client: redis, channel: name }),
    ];
    const [heardByOne, heardByTwo] = [await listen(one), await listen(two)];
    expect([one.up, two.up, heardByOne.states]).toEqual([true, true, [true]]);
    const message = { keys: ['a:1', 'ü:*'], patterns: ['p:*'], tags: ['t'], clear: true };
    await one.publish(message);
    await until(() => heardByTwo.messages.length === 1, 'the message');
    await sleep(30);
    expect(heardByTwo.messages).toEqual([message]);
    expect(heardByOne.messages).toEqual([]);
    await Promise.all([one.close(), two.close()]);
  });

  it('ignores what is not a bus message on its channel', async () => {
    const name = channel();
    const bus = redisBus({ client: redis, channel: name });
    const heard = await listen(bus);
    for (const text of [
      'not json',
      '{"v":2,"from":"x","keys":["a"]}',
      '{"v":1,"from":"x","keys":[1]}',
      'null',
    ]) {
      await redis.publish(name, text);
    }
    await redis.publish(name, '{"v":1,"from":"x","keys":["ok"]}');
    await until(() => heard.messages.length === 1, 'the valid message');
    expect(heard.messages).toEqual([{ keys: ['ok'] }]);
    await bus.close();
  });

  it('listens on a duplicate it closes, and never closes the app client', async () => {
    const clients = async () => String(await redis.client('LIST')).split('\n').length;
    const before = await clients();
    const bus = redisBus({ client: redis, channel: channel() });
    await listen(bus);
    expect(await clients()).toBe(before + 1);
    await bus.close();
    await until(async () => (await clients()) === before, 'the duplicate closing');
    expect(redis.status).toBe('ready');
  });

  it('fails publish at once and reports down while Redis is gone, up when it is back', async () => {
    const server = await startRedisServer();
    const client = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    client.on('error', () => {});
    const bus = redisBus({ client, channel: channel() });
    const heard = await listen(bus);
    await server.stop();
    await until(() => !bus.up, 'down');
    await until(() => client.status !== 'ready', 'the client noticing');
    await expect(bus.publish({ keys: ['a'] })).rejects.toThrow(CacheError);
    const again = await startRedisServer({ port: server.port });
    await until(() => bus.up, 'up again', 10_000);
    expect(heard.states).toEqual([true, false, true]);
    await bus.close();
    client.disconnect();
    await again.stop();
  });

  it('starts without throwing while Redis is unreachable', async () => {
    const server = await startRedisServer();
    await server.stop();
    const client = new Redis(server.url, { lazyConnect: true, retryStrategy: () => 200 });
    client.on('error', () => {});
    const bus = redisBus({ client, channel: channel() });
    const started = Date.now();
    const heard = await listen(bus);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect([bus.up, heard.states]).toEqual([false, []]);
    await bus.close();
    client.disconnect();
  });

  it('rejects bad options naming them', () => {
    expect(() => redisBus({} as never)).toThrow(/option `client`/);
    expect(() => redisBus({ client: {} as never })).toThrow(CacheError);
    expect(() => redisBus({ client: redis, channel: '' })).toThrow(/option `channel`/);
    expect(() => redisBus({ client: redis, heartbeat: -1 })).toThrow(/option `heartbeat`/);
    expect(() => redisBus({ client: redis, chanel: 'x' } as never)).toThrow(/`chanel`/);
  });
});

describe('redisBus on a Redis Cluster', () => {
  it('carries messages between two instances over a Cluster duplicate', async () => {
    const cluster = await connectRedisCluster();
    const name = channel();
    const [one, two] = [
      redisBus({ client: cluster.client, channel: name }),
      redisBus({ client: cluster.client, channel: name }),
    ];
    await listen(one);
    const heard = await listen(two);
    expect(two.up).toBe(true);
    await one.publish({ tags: ['posts:alice'] });
    await until(() => heard.messages.length === 1, 'the message');
    expect(heard.messages).toEqual([{ tags: ['posts:alice'] }]);
    await Promise.all([one.close(), two.close()]);
    await cluster.close();
  }, 30_000);
});
