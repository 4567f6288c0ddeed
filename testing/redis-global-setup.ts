import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { acquireTestRedis } from './redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the Redis server the whole run shares. Read it with `inject('redisUrl')`. */
    redisUrl: string;
  }
}

/** One Redis for the whole run, found once and stopped at the end. */
export default async function setup(project: TestProject) {
  const redis = await acquireTestRedis();
  console.log(`[tests] Redis from ${redis.source}: ${redis.url}`);
  project.provide('redisUrl', redis.url);
  return async () => {
    await redis.stop();
  };
}
