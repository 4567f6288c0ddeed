import { Redis } from 'ioredis';
import { afterAll, inject } from 'vitest';
import { redisStore } from '../../src/stores/redis.js';
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
    shared: () => redisStore({ client: second, prefix }),
  };
});
