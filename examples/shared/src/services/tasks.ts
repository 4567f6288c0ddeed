import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { task } from '../db/schema.js';
import { serviceUnavailableResponse } from '../faults/unavailable.js';
import { HttpError, notFound } from '../http/errors.js';
import type { Logger } from '../logger.js';

export interface TaskRead {
  id: string;
  status: 'queued' | 'in_progress' | 'complete' | 'failed';
  message: string;
  result: string | null;
  enqueued_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** What the task routes need, from the in-process runner or the Redis queue. */
export interface TaskRunner {
  enqueue(message: string): Promise<{ id: string }>;
  get(id: string): Promise<TaskRead>;
  /** From now on `enqueue` answers 503: the process is shutting down. */
  stopAccepting(): void;
  /** Finishes running tasks within `deadlineMs`, re-queueing the rest, then lets go. */
  close(deadlineMs?: number): Promise<void>;
}

/** The result of the original's sample job. */
export const taskResult = (message: string) => `Task ${message} is complete!`;

/** The 503 for a task request once shutdown began. */
export function shuttingDown(): HttpError {
  const { headers } = serviceUnavailableResponse();
  return new HttpError(503, 'Service unavailable', headers);
}

const toTaskRead = (row: typeof task.$inferSelect): TaskRead => ({
  id: row.id,
  status: row.status,
  message: row.message,
  result: row.result,
  enqueued_at: row.enqueuedAt.toISOString(),
  started_at: row.startedAt?.toISOString() ?? null,
  finished_at: row.finishedAt?.toISOString() ?? null,
});

/**
 * The in-process stand-in for the original's ARQ worker (the default without a Redis queue):
 * jobs run in this process after the response is sent, their state in the `task` table. One
 * instance per database: on start it re-runs the tasks an earlier process left queued or in
 * progress, and on close it finishes running jobs within the deadline and re-queues the rest,
 * so no task is ever left `in_progress`.
 */
export function createTaskRunner(
  db: Db,
  logger: Logger,
  delayMs: number,
): TaskRunner & { recover(): Promise<void> } {
  const running = new Map<string, Promise<void>>();
  const abort = new AbortController();
  let accepting = true;

  async function run(id: string, message: string): Promise<void> {
    try {
      await db
        .update(task)
        .set({ status: 'in_progress', startedAt: new Date() })
        .where(eq(task.id, id));
      // The original's sample job slept before answering; keep a short pause so a client can
      // see the task queued or in progress.
      if (delayMs > 0) await sleep(delayMs, undefined, { signal: abort.signal });
      await db
        .update(task)
        .set({ status: 'complete', result: taskResult(message), finishedAt: new Date() })
        .where(eq(task.id, id));
    } catch (error) {
      if (abort.signal.aborted) {
        // Shutdown's deadline: back to the queue, for the next start to run.
        await db
          .update(task)
          .set({ status: 'queued', startedAt: null })
          .where(eq(task.id, id))
          .catch((err) => logger.error({ err, taskId: id }, 'could not re-queue a task'));
        return;
      }
      logger.error({ err: error, taskId: id }, 'background task failed');
      await db
        .update(task)
        .set({ status: 'failed', error: String(error), finishedAt: new Date() })
        .where(eq(task.id, id))
        .catch(() => {});
    }
  }

  function start(id: string, message: string): void {
    const job = run(id, message).finally(() => running.delete(id));
    running.set(id, job);
  }

  return {
    async enqueue(message) {
      if (!accepting) throw shuttingDown();
      const id = randomUUID();
      await db.insert(task).values({ id, message });
      start(id, message);
      return { id };
    },

    async get(id) {
      const [row] = await db.select().from(task).where(eq(task.id, id));
      if (!row) throw notFound('Task');
      return toTaskRead(row);
    },

    stopAccepting() {
      accepting = false;
    },

    async close(deadlineMs = 10_000) {
      accepting = false;
      const all = () => Promise.allSettled([...running.values()]);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), deadlineMs);
      });
      const outcome = await Promise.race([all(), late]);
      clearTimeout(timer);
      if (outcome === 'late') {
        logger.warn({ tasks: running.size }, 'shutdown deadline: re-queueing running tasks');
        abort.abort();
        await all();
      }
    },

    /** Re-runs what a stopped process left behind (its tasks queued or in progress). */
    async recover() {
      const left = await db
        .select({ id: task.id, message: task.message })
        .from(task)
        .where(inArray(task.status, ['queued', 'in_progress']));
      if (left.length === 0) return;
      logger.info({ tasks: left.length }, 're-running tasks left by an earlier process');
      for (const { id, message } of left) start(id, message);
    },
  };
}
