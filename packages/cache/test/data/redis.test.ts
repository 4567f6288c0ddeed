import { Redis } from 'ioredis';
import { afterAll, inject } from 'vitest';
import { memoryStore } from '../../src/stores/memory.js';
import { redisBus, redisStore } from '../../src/stores/redis-entry.js';
import { registerDataSuite } from './data-suite.js';

// Two clients: two instances of an app on one Redis, each with its own connection.
const client = new Redis(inject('redisUrl'));
const second = new Redis(inject('redisUrl'));
afterAll(() => {
  client.disconnect();
  second.disconnect();
});

registerDataSuite('redis', async () => {
  const prefix = `test:cache:data:${Math.random().toString(36).slice(2)}:`;
  return {
    store: redisStore({ client, prefix }),
    shared: () => ({ store: redisStore({ client: second, prefix }) }),
  };
});

// The same API with a memory layer in front of Redis, kept coherent by the bus: every answer
// above must hold when hits come from process memory.
registerDataSuite('redis with l1 and a bus', async () => {
  const prefix = `test:cache:data-l1:${Math.random().toString(36).slice(2)}:`;
  const channel = `test:bus:${prefix}`;
  const store = redisStore({ client, prefix });
  const layered = (redis: Redis) => () => ({
    store: redisStore({ client: redis, prefix }),
    l1: memoryStore({ maxEntries: 1000 }),
    bus: redisBus({ client: redis, channel }),
  });
  return { store, setup: layered(client), shared: layered(second) };
});
