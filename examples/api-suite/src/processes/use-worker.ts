import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { TestApi } from '../test-api.js';
import { startWorkerProcess } from './child.js';

/**
 * With REDIS_URL, the apps queue tasks on Redis for `pnpm worker`: this runs one as a child
 * process for the enclosing describe block, on a queue prefix of its own, and returns the env
 * that points the block's app at that queue. Without REDIS_URL it does nothing (tasks run in
 * the app's own process) and returns `{}`.
 */
export function useWorkerWhenQueued(t: TestApi): Record<string, string> {
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) return {};
  const env = { TASK_QUEUE_PREFIX: `kitexq${randomBytes(4).toString('hex')}` };
  let worker: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
  t.beforeAll(async () => {
    worker = await startWorkerProcess({
      ...env,
      REDIS_URL: redisUrl,
      LOG_FILE: '',
      LOG_LEVEL: 'warn',
    });
  });
  t.afterAll(async () => {
    await worker?.stop('SIGTERM');
    const redis = new Redis(redisUrl);
    try {
      const keys = await redis.keys(`${env.TASK_QUEUE_PREFIX}:*`);
      if (keys.length > 0) await redis.unlink(...keys);
    } finally {
      await redis.quit();
    }
  });
  return env;
}
