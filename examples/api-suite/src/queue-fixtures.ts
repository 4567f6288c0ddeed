import { randomBytes } from 'node:crypto';
import { Job, Queue, type RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { ApiClient } from './client.js';
import { eventually } from './client.js';
import type { TestApi } from './test-api.js';

/** The queue name the tests give the apps and workers (the app's default). */
export const QUEUE_NAME = 'tasks';

/** A queue of its own for one describe block: the env for the app and its workers. */
export interface TestQueue {
  /** REDIS_URL, TASK_QUEUE_NAME and a unique TASK_QUEUE_PREFIX. */
  env: Record<string, string>;
  prefix: string;
  /** Connection options for a BullMQ Queue or Worker of the test on the same Redis. */
  connection: RedisOptions;
  /** A BullMQ Queue on the app's queue, opened on first use and closed after the block. */
  queue(): Queue;
  /** The job as BullMQ stores it (attempts, state), to check what the app reports. */
  job(id: string): Promise<Job | undefined>;
}

/** ioredis options for `redisUrl`, as BullMQ workers need them (no per-command retry limit). */
export function bullConnection(redisUrl: string): RedisOptions {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    db: Number(url.pathname.slice(1) || 0),
    maxRetriesPerRequest: null,
  };
}

/** Deletes every key under `prefix` (a test's queue), whatever state its jobs are in. */
export async function removeQueueKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.unlink(...keys);
  } finally {
    await redis.quit();
  }
}

/**
 * A unique queue prefix for the enclosing describe block on REDIS_URL; its keys are deleted
 * after the block.
 */
export function useTestQueue(t: TestApi, redisUrl: string): TestQueue {
  const prefix = `kitexq${randomBytes(4).toString('hex')}`;
  const connection = bullConnection(redisUrl);
  let queue: Queue | undefined;
  const handle: TestQueue = {
    env: { REDIS_URL: redisUrl, TASK_QUEUE_NAME: QUEUE_NAME, TASK_QUEUE_PREFIX: prefix },
    prefix,
    connection,
    queue() {
      queue ??= new Queue(QUEUE_NAME, { prefix, connection });
      return queue;
    },
    async job(id) {
      return Job.fromId(handle.queue(), id);
    },
  };
  t.afterAll(async () => {
    await queue?.close();
    await removeQueueKeys(redisUrl, prefix);
  });
  return handle;
}

/** Polls the app's status route until the task reports `status`; returns the task. */
export function waitForStatus(
  api: ApiClient,
  id: string,
  status: string,
  timeoutMs = 10_000,
  // biome-ignore lint/suspicious/noExplicitAny: the task as JSON
): Promise<any> {
  return eventually(
    async () => {
      const res = await api.get(`/tasks/task/${encodeURIComponent(id)}`);
      if (res.status !== 200) throw new Error(`GET task ${id}: ${res.status} ${res.text}`);
      return res.body?.status === status ? res.body : undefined;
    },
    timeoutMs,
    `task ${id} to be ${status}`,
  );
}

/** Queues a task through the app's API and returns its id. */
export async function postTask(api: ApiClient, message: string): Promise<string> {
  const res = await api.post(`/tasks/task?message=${encodeURIComponent(message)}`);
  if (res.status !== 201) throw new Error(`POST task: ${res.status} ${res.text}`);
  return String(res.body.id);
}
