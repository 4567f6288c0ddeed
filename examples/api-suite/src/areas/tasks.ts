import { eventually } from '../client.js';
import type { ApiSuiteTarget } from '../fixtures.js';
import { useApp } from '../fixtures.js';
import { useWorkerWhenQueued } from '../processes/use-worker.js';
import type { TestApi } from '../test-api.js';

/**
 * The background task route: 201 with an id, then the job's status and result; run in the
 * app's process by default, by a `pnpm worker` child process with REDIS_URL.
 */
export function registerTasks(target: ApiSuiteTarget, t: TestApi) {
  const { describe, expect, it } = t;
  describe(`${target.name}: background tasks`, () => {
    // Generous defaults: this block is about tasks, not limits.
    const queue = useWorkerWhenQueued(t);
    const app = useApp(target, t, { DEFAULT_RATE_LIMIT_LIMIT: '1000', ...queue });

    async function runTask(message: string) {
      const created = await app.api.post(`/tasks/task?message=${encodeURIComponent(message)}`);
      expect(created.status, created.text).toBe(201);
      expect(Object.keys(created.body)).toEqual(['id']);
      const id = created.body.id;
      expect(['string', 'number']).toContain(typeof id);
      expect(String(id)).not.toBe('');
      return eventually(
        async () => {
          const res = await app.api.get(`/tasks/task/${encodeURIComponent(String(id))}`);
          expect(res.status, res.text).toBe(200);
          return res.body?.result === undefined || res.body.result === null ? undefined : res.body;
        },
        10_000,
        `task ${id} to complete`,
      );
    }

    it('answers 201 {id} and completes with "Task <message> is complete!"', async () => {
      const job = await runTask('hello');
      expect(job.result).toBe('Task hello is complete!');
    });

    it('keeps spaces and unicode of the message', async () => {
      const job = await runTask('hé llo 👋');
      expect(job.result).toBe('Task hé llo 👋 is complete!');
    });

    it('runs tasks independently: each id has its own result', async () => {
      const ids: string[] = [];
      for (const message of ['one', 'two', 'three']) {
        const res = await app.api.post(`/tasks/task?message=${message}`);
        expect(res.status).toBe(201);
        ids.push(String(res.body.id));
      }
      expect(new Set(ids).size).toBe(3);
      for (const [i, message] of ['one', 'two', 'three'].entries()) {
        const body = await eventually(async () => {
          const res = await app.api.get(`/tasks/task/${ids[i]}`);
          return res.body?.result ? res.body : undefined;
        });
        expect(body.result).toBe(`Task ${message} is complete!`);
      }
    });

    it('answers 422 without a message', async () => {
      const res = await app.api.post('/tasks/task');
      expect(res.status, res.text).toBe(422);
      expect(JSON.stringify(res.body.detail)).toContain('message');
    });

    it('answers 404 "Task not found" for an unknown id', async () => {
      const res = await app.api.get('/tasks/task/no-such-task-id');
      expect(res.status, res.text).toBe(404);
      expect(res.body).toEqual({ detail: 'Task not found' });
    });
  });
}
