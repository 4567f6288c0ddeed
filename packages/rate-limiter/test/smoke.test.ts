import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';

it('reaches the shared Redis', async () => {
  const client = new Redis(inject('redisUrl'));
  expect(await client.ping()).toBe('PONG');
  client.disconnect();
});
