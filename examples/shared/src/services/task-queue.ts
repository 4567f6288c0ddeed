import { randomUUID } from 'node:crypto';
import { Job, Queue, type RedisOptions } from 'bullmq';
import { throttleOf } from '../faults/log-throttle.js';
import { notFound } from '../http/errors.js';
import type { Logger } from '../logger.js';
import type { Settings } from '../settings.js';
import { shuttingDown, type TaskRead, type TaskRunner } from './tasks.js';

/** Where the tasks queue lives: one Redis, one BullMQ queue name and key prefix. */
export interface QueueConfig {
  connection: RedisOptions;
  name: string;
  prefix: string;
  /** Tries per task, the first included (TASK_ATTEMPTS). */
  attempts: number;
  /** A worker's lock on a running task, and its stalled-task check interval (TASK_LOCK_SECONDS). */
  lockMs: number;
  /** Redis as the log shows it, without credentials. */
  location: string;
}

/**
 * The queue of REDIS_QUEUE_URL (default REDIS_URL), or `undefined`: tasks then run in-process.
 * An isolated context (tests) prefixes its keys with `scope` unless TASK_QUEUE_PREFIX says where.
 */
export function queueConfig(settings: Settings, scope = ''): QueueConfig | undefined {
  const url = settings.REDIS_QUEUE_URL ?? settings.REDIS_URL;
  if (!url) return undefined;
  const parsed = new URL(url);
  const db = Number(parsed.pathname.slice(1) || 0);
  return {
    connection: {
      host: parsed.hostname || '127.0.0.1',
      port: Number(parsed.port || 6379),
      username: decodeURIComponent(parsed.username) || undefined,
      password: decodeURIComponent(parsed.password) || undefined,
      db: Number.isInteger(db) ? db : 0,
      tls: parsed.protocol === 'rediss:' ? {} : undefined,
      connectTimeout: 2000,
    },
    name: settings.TASK_QUEUE_NAME,
    prefix: settings.TASK_QUEUE_PREFIX ?? `${scope}bull`,
    attempts: settings.TASK_ATTEMPTS,
    lockMs: settings.TASK_LOCK_SECONDS * 1000,
    location: `${parsed.host}${parsed.pathname}`,
  };
}

const STATUS: Record<string, TaskRead['status']> = {
  waiting: 'queued',
  delayed: 'queued', // a retry waiting out its backoff
  prioritized: 'queued',
  'waiting-children': 'queued',
  active: 'in_progress',
  completed: 'complete',
  failed: 'failed',
};

const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : null);

/**
 * The message of a job as the status route shows it. Another producer (or an older version) may
 * have queued data that is not `{ message: string }`; the worker fails such a job, and its
 * status must still answer 200, not 500.
 */
function messageOf(data: unknown): string {
  const message = (data as { message?: unknown } | null)?.message;
  if (typeof message === 'string') return message;
  return JSON.stringify(message) ?? '';
}

/** How long a request may wait for the queue's Redis (connecting included) before a 503. */
const QUEUE_WAIT_MS = 4000;

/** The queue's Redis did not answer in time (`outageKind` makes it a 503). */
class QueueTimeoutError extends Error {
  override name = 'QueueTimeoutError';
  readonly code = 'E_QUEUE_TIMEOUT';
}

/** BullMQ waits for a connection that never comes up: bound every call a request makes. */
async function bounded<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new QueueTimeoutError(`task queue: no answer in ${QUEUE_WAIT_MS} ms`)),
      QUEUE_WAIT_MS,
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Tasks on a BullMQ queue in Redis, run by `pnpm worker` in its own process (as the original's
 * ARQ worker did); status and result are read back from the queue. Each task is tried
 * TASK_ATTEMPTS times with exponential backoff (1 s, 2 s, ...); finished jobs are kept a day
 * (failed ones a week) for the status route.
 */
export function createQueueTaskRunner(config: QueueConfig, logger: Logger): TaskRunner {
  const queue = new Queue(config.name, {
    prefix: config.prefix,
    connection: {
      ...config.connection,
      // A request must not wait on a Redis that is down or frozen: fail, and answer 503.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 3000,
    },
  });
  const throttle = throttleOf(logger);
  queue.on('error', (error) =>
    throttle.log(logger, 'warn', 'queue redis', { err: error }, 'task queue connection error'),
  );
  let accepting = true;

  return {
    async enqueue(message) {
      if (!accepting) throw shuttingDown();
      const job = await bounded(
        queue.add(
          'task',
          { message },
          {
            jobId: randomUUID(),
            attempts: config.attempts,
            backoff: { type: 'exponential', delay: 1000 },
            removeOnComplete: { age: 24 * 3600 },
            removeOnFail: { age: 7 * 24 * 3600 },
          },
        ),
      );
      return { id: String(job.id) };
    },

    async get(id) {
      // State first, then the job: read the other way round, a job finishing in between
      // would be reported complete with the result it did not have yet.
      const state = await bounded(queue.getJobState(id));
      const job = await bounded(Job.fromId<unknown, unknown>(queue, id));
      if (!job || state === 'unknown') throw notFound('Task');
      return {
        id,
        status: STATUS[state] ?? 'queued',
        message: messageOf(job.data),
        result:
          state === 'completed' && typeof job.returnvalue === 'string' ? job.returnvalue : null,
        enqueued_at: new Date(job.timestamp).toISOString(),
        started_at: iso(job.processedOn),
        finished_at: state === 'completed' || state === 'failed' ? iso(job.finishedOn) : null,
      };
    },

    stopAccepting() {
      accepting = false;
    },

    async close() {
      accepting = false;
      // BullMQ's close can wait without end on a connection that broke and is reconnecting:
      // give it a moment, then drop the connection.
      // (BullMQ's disconnect can wait the same way, so it is not awaited.)
      await bounded(queue.close()).catch(() => {
        void queue.disconnect().catch(() => {});
      });
    },
  };
}
