import { setTimeout as sleep } from 'node:timers/promises';
import { type Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { throttleOf } from '../faults/log-throttle.js';
import type { Logger } from '../logger.js';
import type { QueueConfig } from './task-queue.js';
import { taskResult } from './tasks.js';

/** The data the API queues for a task. */
export interface TaskData {
  message: string;
}

/**
 * The job's data, checked: a queue is shared, and another producer or an older version may have
 * added a job without a string `message`. Retrying cannot fix its data, so it fails at once.
 */
function taskData(job: Job): TaskData {
  const message = (job.data as { message?: unknown } | null)?.message;
  if (typeof message !== 'string') {
    throw new UnrecoverableError(`task data: message must be a string, got ${typeof message}`);
  }
  return { message };
}

/**
 * The worker of `pnpm worker`: runs the queue's tasks, `concurrency` at a time. A task that
 * throws is retried with backoff (see `createQueueTaskRunner`); one with bad data fails without
 * retries. A task cancelled by the worker (`worker.cancelAllJobs()`, at its shutdown deadline)
 * goes back to the queue, not counted as a try; one whose worker died is found stalled by
 * another worker once its lock (TASK_LOCK_SECONDS) expires, and run again.
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
): Worker<TaskData, string> {
  const worker = new Worker<TaskData, string>(
    config.name,
    // Three parameters: BullMQ hands the abort signal only to a processor that declares it.
    async (job, token, signal) => {
      const { message } = taskData(job);
      try {
        // The original's sample job slept before answering.
        if (delayMs > 0) await sleep(delayMs, undefined, { signal });
      } catch (error) {
        if (!signal?.aborted) throw error;
        // Cancelled, not failed: back to the queue for the next worker, at once.
        await job.moveToWait(token);
        throw new WaitingError();
      }
      return taskResult(message);
    },
    {
      prefix: config.prefix,
      concurrency,
      lockDuration: config.lockMs,
      stalledInterval: config.lockMs,
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
