import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'bullmq';
import { throttleOf } from '../faults/log-throttle.js';
import type { Logger } from '../logger.js';
import type { QueueConfig } from './task-queue.js';
import { taskResult } from './tasks.js';

/**
 * The worker of `pnpm worker`: runs the queue's tasks, `concurrency` at a time. A task that
 * throws is retried with backoff (see `createQueueTaskRunner`); one whose worker died is found
 * stalled by BullMQ and run again.
 *
 * @example
 * const worker = startTaskWorker(queueConfig(settings)!, logger, 50);
 * await worker.close(); // waits for running tasks
 */
export function startTaskWorker(
  config: QueueConfig,
  logger: Logger,
  delayMs: number,
  concurrency = 10,
): Worker<{ message: string }, string> {
  const worker = new Worker<{ message: string }, string>(
    config.name,
    async (job) => {
      // The original's sample job slept before answering.
      if (delayMs > 0) await sleep(delayMs);
      return taskResult(job.data.message);
    },
    {
      prefix: config.prefix,
      concurrency,
      // A worker waits for Redis rather than failing: BullMQ requires this of its connection.
      connection: { ...config.connection, maxRetriesPerRequest: null },
    },
  );
  const throttle = throttleOf(logger);
  worker.on('error', (error) =>
    throttle.log(logger, 'warn', 'worker redis', { err: error }, 'task worker error'),
  );
  worker.on('failed', (job, error) =>
    logger.warn({ err: error, taskId: job?.id, attempt: job?.attemptsMade }, 'task failed'),
  );
  return worker;
}
