import { type Job, type Processor, Worker } from 'bullmq';
import { type ApiSuiteTarget, useApp } from '../fixtures.js';
import { postTask, QUEUE_NAME, useTestQueue, waitForStatus } from '../queue-fixtures.js';
import type { TestApi } from '../test-api.js';

/** Not the default (3), so a pass proves TASK_ATTEMPTS is read; 4 shows the backoff doubling. */
const ATTEMPTS = 4;
/** The app's backoff: 1 s before the first retry, doubling after each. */
const backoffMs = (retry: number) => 1000 * 2 ** (retry - 1);
/** Timers and Redis clocks may round a few ms early. */
const EARLY_MS = 50;

/**
 * The app's retry policy on the Redis queue (TASK_ATTEMPTS, exponential backoff from 1 s), run
 * for real: the app queues through its HTTP API while no worker runs, then a BullMQ worker of
 * the test takes the app's queue with a processor that fails the way a flaky job does.
 * Registered with REDIS_URL.
 */
export function registerTaskRetries(target: ApiSuiteTarget, t: TestApi) {
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) return;
  const { describe, expect, it } = t;
  describe(`${target.name}: task retries with backoff on the Redis queue`, () => {
    const queue = useTestQueue(t, redisUrl);
    const app = useApp(target, t, {
      DEFAULT_RATE_LIMIT_LIMIT: '1000',
      ...queue.env,
      TASK_ATTEMPTS: String(ATTEMPTS),
    });

    /** The app's status route, answered 200: what a client sees. */
    async function statusOf(id: string): Promise<string> {
      const res = await app.api.get(`/tasks/task/${id}`);
      expect(res.status, res.text).toBe(200);
      return res.body.status;
    }

    /**
     * Runs the app's queue with `processor` until `id` ends `status`; records each try (its
     * start and the status the app reported meanwhile) and what the app reported between tries.
     */
    async function runUntil(id: string, status: string, processor: Processor) {
      const tries: { at: number; status: string }[] = [];
      const between: Promise<{ status: string; state: string }>[] = [];
      const worker = new Worker(
        QUEUE_NAME,
        async (job: Job, token?: string) => {
          tries.push({ at: Date.now(), status: await statusOf(String(job.id)) });
          return processor(job, token);
        },
        { prefix: queue.prefix, connection: queue.connection },
      );
      // After a failed try the job waits out its backoff: look then, well inside the 1 s.
      worker.on('failed', (job) => {
        if (job && job.attemptsMade < ATTEMPTS) {
          between.push(
            (async () => ({
              status: await statusOf(id),
              state: await queue.queue().getJobState(id),
            }))(),
          );
        }
      });
      try {
        const task = await waitForStatus(app.api, id, status, 20_000);
        return { task, tries, between: await Promise.all(between) };
      } finally {
        await worker.close();
      }
    }

    it(`a job that always throws is tried TASK_ATTEMPTS (${ATTEMPTS}) times with exponential backoff, then reported failed`, async () => {
      const id = await postTask(app.api, 'flaky');
      expect(await statusOf(id)).toBe('queued');
      const { task, tries, between } = await runUntil(id, 'failed', async () => {
        throw new Error('transient failure');
      });

      expect(tries.length).toBe(ATTEMPTS);
      expect(tries.map((one) => one.status)).toEqual(tries.map(() => 'in_progress'));
      for (let retry = 1; retry < ATTEMPTS; retry += 1) {
        const gap = (tries[retry]?.at ?? 0) - (tries[retry - 1]?.at ?? 0);
        expect(gap, `gap before retry ${retry}`).toBeGreaterThanOrEqual(
          backoffMs(retry) - EARLY_MS,
        );
      }
      expect(between).toEqual(between.map(() => ({ status: 'queued', state: 'delayed' })));
      expect(between.length).toBe(ATTEMPTS - 1);

      expect(task).toMatchObject({ id, status: 'failed', message: 'flaky', result: null });
      expect(task.started_at).not.toBeNull();
      expect(task.finished_at).not.toBeNull();
      expect(Date.parse(task.finished_at)).toBeGreaterThanOrEqual(Date.parse(task.started_at));
      const job = await queue.job(id);
      expect(job?.attemptsMade).toBe(ATTEMPTS);
      expect(job?.failedReason).toBe('transient failure');
    });

    it('a job that fails once and then succeeds ends complete with its result', async () => {
      const id = await postTask(app.api, 'second time lucky');
      const { task, tries, between } = await runUntil(id, 'complete', async (job) => {
        if (job.attemptsMade === 0) throw new Error('transient failure');
        return `Task ${job.data.message} is complete!`;
      });

      expect(tries.length).toBe(2);
      expect((tries[1]?.at ?? 0) - (tries[0]?.at ?? 0)).toBeGreaterThanOrEqual(
        backoffMs(1) - EARLY_MS,
      );
      expect(between).toEqual([{ status: 'queued', state: 'delayed' }]);
      expect(task).toMatchObject({
        id,
        status: 'complete',
        result: 'Task second time lucky is complete!',
      });
      expect(task.finished_at).not.toBeNull();
      expect((await queue.job(id))?.attemptsMade).toBe(2);
    });
  });
}
