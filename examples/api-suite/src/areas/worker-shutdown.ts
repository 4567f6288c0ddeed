import { startTcpProxy } from '../../../../testing/tcp-proxy.js';
import { type ApiSuiteTarget, useApp } from '../fixtures.js';
import { type Child, startWorkerProcess } from '../processes/child.js';
import { postTask, useTestQueue, waitForStatus } from '../queue-fixtures.js';
import type { TestApi } from '../test-api.js';

/** Short locks, so a task of a worker that died is run again within seconds, not 30 to 60. */
const LOCK_SECONDS = '2';
/** Room for a busy machine between the deadline and the exit (closing links, the log). */
const SLACK_MS = 4000;

/**
 * How `pnpm worker` (a child process) stops: SIGTERM lets a running task finish within
 * SHUTDOWN_TIMEOUT_SECONDS, past that hands it back to the queue and exits; a worker that dies
 * leaves its task to the next worker once its lock (TASK_LOCK_SECONDS) expires. Either way the
 * task is run to `complete`, never lost. Registered with REDIS_URL.
 */
export function registerWorkerShutdown(target: ApiSuiteTarget, t: TestApi) {
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) return;
  const { describe, expect, it } = t;
  describe(`${target.name}: shutdown of pnpm worker`, () => {
    const queue = useTestQueue(t, redisUrl);
    const app = useApp(target, t, { DEFAULT_RATE_LIMIT_LIMIT: '1000', ...queue.env });
    const started: Child[] = [];
    t.afterAll(async () => {
      await Promise.all(started.map((child) => child.stop('SIGKILL')));
    });

    async function startWorker(env: Record<string, string>) {
      const child = await startWorkerProcess({
        ...queue.env,
        TASK_LOCK_SECONDS: LOCK_SECONDS,
        LOG_FILE: '',
        LOG_LEVEL: 'warn',
        ...env,
      });
      started.push(child);
      return child;
    }

    /** A fresh worker with a quick task: runs what the stopped one left, then stops. */
    async function runLeftover(id: string, message: string, timeoutMs: number) {
      const next = await startWorker({ TASK_DELAY_MS: '10' });
      try {
        const done = await waitForStatus(app.api, id, 'complete', timeoutMs);
        expect(done.result).toBe(`Task ${message} is complete!`);
      } finally {
        await next.stop('SIGTERM');
      }
    }

    it('SIGTERM with a task shorter than the deadline: the task completes, then the worker exits 0', async () => {
      const worker = await startWorker({ TASK_DELAY_MS: '2000', SHUTDOWN_TIMEOUT_SECONDS: '10' });
      const id = await postTask(app.api, 'finish me');
      await waitForStatus(app.api, id, 'in_progress');
      const { code, ms } = await worker.stop('SIGTERM', 20_000);
      expect(code, worker.output().slice(-3000)).toBe(0);
      expect(ms).toBeLessThan(10_000);
      expect(worker.output()).not.toContain('worker deadline passed');
      // Finished before the exit, not by someone else later.
      const task = (await app.api.get(`/tasks/task/${id}`)).body;
      expect(task).toMatchObject({ status: 'complete', result: 'Task finish me is complete!' });
    });

    it('SIGTERM with a task longer than the deadline: exits 0 soon after it, the task goes back to the queue and a fresh worker completes it', async () => {
      const worker = await startWorker({ TASK_DELAY_MS: '60000', SHUTDOWN_TIMEOUT_SECONDS: '1' });
      const id = await postTask(app.api, 'too long');
      await waitForStatus(app.api, id, 'in_progress');
      const { code, ms } = await worker.stop('SIGTERM', 20_000);
      expect(code, worker.output().slice(-3000)).toBe(0);
      expect(ms).toBeGreaterThanOrEqual(1000);
      expect(ms).toBeLessThan(1000 + SLACK_MS);
      expect(worker.output()).toContain('worker deadline passed');
      // Handed back at once (no wait for its lock), and the cut run is not a failed try.
      expect((await app.api.get(`/tasks/task/${id}`)).body.status).toBe('queued');
      expect(await queue.queue().getJobState(id)).toBe('waiting');
      await runLeftover(id, 'too long', 10_000);
      expect((await queue.job(id))?.attemptsMade).toBe(1);
    });

    it('SIGTERM while Redis is frozen: the worker still exits soon after the deadline, and the task runs again once its lock expires', async () => {
      const url = new URL(redisUrl);
      const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 6379) });
      try {
        const worker = await startWorker({
          REDIS_URL: proxy.url,
          TASK_DELAY_MS: '60000',
          SHUTDOWN_TIMEOUT_SECONDS: '1',
        });
        const id = await postTask(app.api, 'frozen');
        await waitForStatus(app.api, id, 'in_progress');
        proxy.freeze();
        const { code, ms } = await worker.stop('SIGTERM', 20_000);
        expect(code, worker.output().slice(-3000)).toBe(0);
        // The deadline, the hand-back that cannot reach Redis (2 s), then the exit.
        expect(ms).toBeLessThan(1000 + 2000 + SLACK_MS);
        expect(worker.output()).toContain('worker deadline passed');
        expect(worker.output()).toContain('tasks not handed back');
        await runLeftover(id, 'frozen', 15_000);
      } finally {
        await proxy.close();
      }
    });

    it('a worker killed mid-task (SIGKILL): a fresh worker runs the task once its lock expires (TASK_LOCK_SECONDS)', async () => {
      const worker = await startWorker({ TASK_DELAY_MS: '60000' });
      const id = await postTask(app.api, 'orphan');
      await waitForStatus(app.api, id, 'in_progress');
      await worker.stop('SIGKILL');
      // Nobody holds it now, but its lock does until it expires.
      expect((await app.api.get(`/tasks/task/${id}`)).body.status).toBe('in_progress');
      // Lock expiry plus two stalled checks (each TASK_LOCK_SECONDS), with slack.
      await runLeftover(id, 'orphan', 15_000);
    });
  });
}
