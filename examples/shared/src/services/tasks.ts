import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { task } from '../db/schema.js';
import { notFound } from '../http/errors.js';
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
 * The in-process stand-in for the original's ARQ worker: jobs run in this process after the
 * response is sent, and their state lives in the `task` table so any instance can report it.
 * `close()` waits for running jobs, so a shutdown never leaves one half-written.
 */
export function createTaskRunner(db: Db, logger: Logger, delayMs: number) {
  const running = new Set<Promise<void>>();

  async function run(id: string, message: string): Promise<void> {
    try {
      await db
        .update(task)
        .set({ status: 'in_progress', startedAt: new Date() })
        .where(eq(task.id, id));
      // The original's sample job slept before answering; keep a short pause so a client can
      // see the task queued or in progress.
      if (delayMs > 0) await sleep(delayMs);
      await db
        .update(task)
        .set({ status: 'complete', result: `Task ${message} is complete!`, finishedAt: new Date() })
        .where(eq(task.id, id));
    } catch (error) {
      logger.error({ err: error, taskId: id }, 'background task failed');
      await db
        .update(task)
        .set({ status: 'failed', error: String(error), finishedAt: new Date() })
        .where(eq(task.id, id))
        .catch(() => {});
    }
  }

  return {
    async enqueue(message: string): Promise<{ id: string }> {
      const id = randomUUID();
      await db.insert(task).values({ id, message });
      const job = run(id, message).finally(() => running.delete(job));
      running.add(job);
      return { id };
    },

    async get(id: string): Promise<TaskRead> {
      const [row] = await db.select().from(task).where(eq(task.id, id));
      if (!row) throw notFound('Task');
      return toTaskRead(row);
    },

    async close(): Promise<void> {
      await Promise.allSettled([...running]);
    },
  };
}

export type TaskRunner = ReturnType<typeof createTaskRunner>;
