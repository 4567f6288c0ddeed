import { setTimeout as sleep } from 'node:timers/promises';
import { startTcpProxy, type TcpProxy } from '../../../../testing/tcp-proxy.js';
import { type ApiSuiteTarget, useApp } from '../fixtures.js';
import { type Child, startWorkerProcess } from '../processes/child.js';
import { postTask, type TestQueue, useTestQueue, waitForStatus } from '../queue-fixtures.js';
import type { TestApi } from '../test-api.js';

/** A `pnpm worker` child process on the block's queue, stopped after the block. */
function useWorker(t: TestApi, queue: TestQueue, env: () => Record<string, string> = () => ({})) {
  const handle = {} as { child: Child };
  t.beforeAll(async () => {
    handle.child = await startWorkerProcess({
      ...queue.env,
      TASK_DELAY_MS: '10',
      LOG_FILE: '',
      LOG_LEVEL: 'warn',
      ...env(),
    });
  });
  t.afterAll(async () => {
    await handle.child?.stop('SIGKILL');
  });
  return handle;
}

/**
 * `pnpm worker` (a child process) on what a queue can hold and what its link can do: jobs of
 * another producer with bad data, and its Redis link cut and back. Registered with REDIS_URL.
 */
export function registerWorkerFaults(target: ApiSuiteTarget, t: TestApi) {
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) return;
  const { beforeAll, afterAll, describe, expect, it } = t;

  describe(`${target.name}: jobs with bad data, run by pnpm worker`, () => {
    const queue = useTestQueue(t, redisUrl);
    const app = useApp(target, t, { DEFAULT_RATE_LIMIT_LIMIT: '1000', ...queue.env });
    const worker = useWorker(t, queue);

    it('fails a job whose message is not a string at once (no retry), and its status answers 200', async () => {
      // As another producer or an older version might add them; retries allowed, and wasted.
      const bad = [{ message: 42 }, { message: { text: 'hi' } }, {}, null];
      // The status route shows what is there, as JSON, or nothing.
      const shown = ['42', '{"text":"hi"}', '', ''];
      const ids: string[] = [];
      for (const data of bad) {
        const job = await queue.queue().add('task', data, {
          attempts: 3,
          backoff: { type: 'fixed', delay: 100 },
        });
        ids.push(String(job.id));
      }
      for (const [i, id] of ids.entries()) {
        const task = await waitForStatus(app.api, id, 'failed');
        expect(task).toMatchObject({ id, status: 'failed', message: shown[i], result: null });
        expect(task.finished_at).not.toBeNull();
        // Time for retries that must not come (they would be 100 ms apart).
        await sleep(300);
        const job = await queue.job(id);
        expect(job?.attemptsMade, job?.failedReason).toBe(1);
        expect(job?.failedReason).toMatch(/message/);
        expect(await queue.queue().getJobState(id)).toBe('failed');
      }
      // The worker runs on: a good task still completes.
      const good = await waitForStatus(app.api, await postTask(app.api, 'after bad'), 'complete');
      expect(good.result).toBe('Task after bad is complete!');
      expect(worker.child.process.exitCode).toBeNull();
    });
  });

  describe(`${target.name}: pnpm worker whose Redis link is cut and comes back (TCP proxy)`, () => {
    const queue = useTestQueue(t, redisUrl);
    // The app talks to Redis directly; only the worker's link goes through the proxy.
    const app = useApp(target, t, { DEFAULT_RATE_LIMIT_LIMIT: '1000', ...queue.env });
    let proxy: TcpProxy;
    beforeAll(async () => {
      const url = new URL(redisUrl);
      proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 6379) });
    });
    const worker = useWorker(t, queue, () => ({ REDIS_URL: proxy.url }));
    afterAll(async () => {
      await proxy?.close();
    });

    it('reconnects and runs the tasks queued while the link was down, and new ones', async () => {
      const before = await waitForStatus(app.api, await postTask(app.api, 'before'), 'complete');
      expect(before.result).toBe('Task before is complete!');

      proxy.cut();
      const during = await postTask(app.api, 'during');
      // Longer than ioredis' 2 s reconnect backoff cap: several reconnects are refused.
      await sleep(3000);
      expect(worker.child.process.exitCode).toBeNull();
      expect((await app.api.get(`/tasks/task/${during}`)).body.status).toBe('queued');
      proxy.restore();

      const done = await waitForStatus(app.api, during, 'complete', 15_000);
      expect(done.result).toBe('Task during is complete!');
      const after = await waitForStatus(app.api, await postTask(app.api, 'after'), 'complete');
      expect(after.result).toBe('Task after is complete!');
      expect(proxy.connections).toBeGreaterThan(0);
    });
  });
}
