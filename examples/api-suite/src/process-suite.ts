import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { ApiClient, eventually } from './client.js';
import { SUITE_ENV, uniqueUsername } from './fixtures.js';
import { startServerProcess, startWorkerProcess } from './processes/child.js';
import { holdHeaders, holdJsonPost } from './processes/raw-http.js';
import { createChildStorage } from './processes/storage.js';
import type { TestApi } from './test-api.js';

/** What each app's process test file hands to {@link registerProcessSuite}. */
export interface ProcessSuiteTarget {
  /** Shown in the describe titles, e.g. `express`. */
  name: string;
  /** Absolute path of the app's server entry (`src/server.ts`), run as `pnpm start` runs it. */
  serverEntry: string;
}

/** In-flight requests at the moment of SIGTERM, as in the finding (11, of which 9-10 were cut). */
const IN_FLIGHT = 11;

/** Child env: the suite's, an in-process task runner unless a test names a queue, no log file. */
const childEnv = (extra: Record<string, string>): Record<string, string> => ({
  ...SUITE_ENV,
  DEFAULT_RATE_LIMIT_LIMIT: '1000',
  REDIS_URL: '',
  REDIS_QUEUE_URL: '',
  REDIS_CACHE_URL: '',
  REDIS_RATE_LIMIT_URL: '',
  LOG_FILE: '',
  ...extra,
});

/**
 * Tests that need real processes: a server stopped by SIGTERM, and `pnpm worker` running the
 * queue on Redis. Each test starts its own child processes on a database of their own, and
 * kills what it started whatever happens.
 */
export function registerProcessSuite(target: ProcessSuiteTarget, t: TestApi) {
  registerShutdown(target, t);
  if (process.env.REDIS_URL) registerWorker(target, t, process.env.REDIS_URL);
}

function registerShutdown(target: ProcessSuiteTarget, t: TestApi) {
  const { describe, expect, it } = t;
  describe(`${target.name}: graceful shutdown of a server process`, () => {
    it(`SIGTERM: ${IN_FLIGHT} in-flight requests finish, a new task request gets 503, no task is left in progress`, async () => {
      const storage = await createChildStorage();
      const server = await startServerProcess(
        target.serverEntry,
        childEnv({ ...storage.env, TASK_DELAY_MS: '1500' }),
      );
      try {
        const api = new ApiClient(server.baseUrl);
        const port = Number(new URL(server.baseUrl).port);
        // Tasks that are running when the signal comes (each takes 1.5 s).
        const taskIds: string[] = [];
        for (let i = 0; i < 3; i += 1) {
          const res = await api.post(`/tasks/task?message=running${i}`);
          expect(res.status, res.text).toBe(201);
          taskIds.push(res.body.id);
        }
        // Requests the server is reading when the signal comes: half their body has arrived.
        const signups = await Promise.all(
          Array.from({ length: IN_FLIGHT }, () => {
            const username = uniqueUsername('sd');
            return holdJsonPost(port, '/api/v1/user', {
              name: `Name ${username}`,
              username,
              email: `${username}@example.com`,
              password: 'Passw0rd-long',
            });
          }),
        );
        // A task request whose headers are not complete: it is handled after shutdown began.
        const lateTask = await holdHeaders(port, 'POST', '/api/v1/tasks/task?message=late');
        await new Promise((resolve) => setTimeout(resolve, 300));

        server.process.kill('SIGTERM');
        await new Promise((resolve) => setTimeout(resolve, 500));
        const late = await lateTask.finish();
        expect(late.status, late.head).toBe(503);
        expect(late.head.toLowerCase()).toMatch(/retry-after: \d+/);
        expect(JSON.parse(late.body)).toEqual({ detail: 'Service unavailable' });
        const answers = await Promise.all(signups.map((held) => held.finish()));
        expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 201));

        const { code, ms } = await server.stop('SIGTERM', 20_000);
        expect(code, server.output().slice(-3000)).toBe(0);
        expect(ms).toBeLessThan(15_000);
        const rows = await storage.tasks();
        expect(rows.filter((row) => row.status === 'in_progress')).toEqual([]);
        expect(rows.filter((row) => taskIds.includes(row.id)).map((row) => row.status)).toEqual([
          'complete',
          'complete',
          'complete',
        ]);
      } finally {
        await server.stop('SIGKILL');
        await storage.close();
      }
    });

    it('re-queues a task still running at the deadline, and the next start runs it', async () => {
      const storage = await createChildStorage();
      const slow = await startServerProcess(
        target.serverEntry,
        childEnv({ ...storage.env, TASK_DELAY_MS: '60000', SHUTDOWN_TIMEOUT_SECONDS: '1' }),
      );
      let id: string;
      try {
        const api = new ApiClient(slow.baseUrl);
        const created = await api.post('/tasks/task?message=interrupted');
        expect(created.status, created.text).toBe(201);
        id = created.body.id;
        await eventually(async () =>
          (await api.get(`/tasks/task/${id}`)).body?.status === 'in_progress' ? true : undefined,
        );
        const { code, ms } = await slow.stop('SIGTERM', 20_000);
        expect(code, slow.output().slice(-3000)).toBe(0);
        expect(ms).toBeLessThan(8000);
        expect((await storage.tasks()).map((row) => row.status)).toEqual(['queued']);
      } finally {
        await slow.stop('SIGKILL');
      }
      const next = await startServerProcess(
        target.serverEntry,
        childEnv({ ...storage.env, TASK_DELAY_MS: '10' }),
      );
      try {
        const api = new ApiClient(next.baseUrl);
        const done = await eventually(async () => {
          const res = await api.get(`/tasks/task/${id}`);
          return res.body?.status === 'complete' ? res.body : undefined;
        });
        expect(done.result).toBe('Task interrupted is complete!');
      } finally {
        await next.stop('SIGTERM');
        await storage.close();
      }
    });
  });
}

function registerWorker(target: ProcessSuiteTarget, t: TestApi, redisUrl: string) {
  const { describe, expect, it } = t;
  describe(`${target.name}: tasks on a Redis queue, run by pnpm worker`, () => {
    it('queues tasks in Redis; a separate worker process completes them, and finishes its running tasks on SIGTERM', async () => {
      const storage = await createChildStorage();
      const prefix = `kitexq${randomBytes(4).toString('hex')}`;
      // REDIS_QUEUE_URL alone (another logical database, REDIS_URL unset) turns the queue on.
      const queueUrl = new URL(redisUrl);
      queueUrl.pathname = '/5';
      const queueEnv = {
        REDIS_QUEUE_URL: queueUrl.toString(),
        TASK_QUEUE_PREFIX: prefix,
        TASK_DELAY_MS: '1500',
      };
      const server = await startServerProcess(
        target.serverEntry,
        childEnv({ ...storage.env, ...queueEnv }),
      );
      let worker: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
      const redis = new Redis(queueUrl.toString());
      try {
        const api = new ApiClient(server.baseUrl);
        const created = await api.post('/tasks/task?message=queued hello');
        expect(created.status, created.text).toBe(201);
        const id = created.body.id;
        // No worker yet: the server does not run it itself.
        await new Promise((resolve) => setTimeout(resolve, 500));
        const waiting = await api.get(`/tasks/task/${id}`);
        expect(waiting.body).toMatchObject({ id, status: 'queued', result: null });
        expect(await redis.exists(`${prefix}:tasks:${id}`)).toBe(1);

        worker = await startWorkerProcess(childEnv(queueEnv));
        await eventually(async () =>
          (await api.get(`/tasks/task/${id}`)).body?.status === 'in_progress' ? true : undefined,
        );
        const done = await eventually(async () => {
          const res = await api.get(`/tasks/task/${id}`);
          return res.body?.status === 'complete' ? res.body : undefined;
        });
        expect(done.result).toBe('Task queued hello is complete!');
        expect(done.finished_at).not.toBeNull();

        // SIGTERM while a task runs: the worker finishes it before it exits.
        const second = await api.post('/tasks/task?message=during shutdown');
        const secondId = second.body.id;
        await eventually(async () =>
          (await api.get(`/tasks/task/${secondId}`)).body?.status === 'in_progress'
            ? true
            : undefined,
        );
        const stopped = await worker.stop('SIGTERM', 20_000);
        expect(stopped.code, worker.output().slice(-3000)).toBe(0);
        const after = await api.get(`/tasks/task/${secondId}`);
        expect(after.body).toMatchObject({
          status: 'complete',
          result: 'Task during shutdown is complete!',
        });
        // The in-process runner stayed off: nothing went to the database.
        await server.stop('SIGTERM');
        expect(await storage.tasks()).toEqual([]);
      } finally {
        await worker?.stop('SIGKILL');
        await server.stop('SIGKILL');
        await storage.close();
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length > 0) await redis.unlink(...keys);
        await redis.quit();
      }
    });
  });
}
