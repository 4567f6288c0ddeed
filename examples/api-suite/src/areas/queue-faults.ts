import { startTcpProxy, type TcpProxy } from '../../../../testing/tcp-proxy.js';
import { eventually } from '../client.js';
import { expectUnavailable, timedRequest } from '../faults/timed-request.js';
import { type ApiSuiteTarget, useApp } from '../fixtures.js';
import type { TestApi } from '../test-api.js';

/**
 * The tasks queue's Redis down or frozen, through a TCP proxy on REDIS_QUEUE_URL: the task
 * routes answer 503 with `Retry-After` within about 5 s and recover once Redis is back.
 * Registered with REDIS_URL.
 */
export function registerQueueFaults(target: ApiSuiteTarget, t: TestApi) {
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) return;
  const { describe, expect, it, beforeAll, afterAll } = t;
  describe(`${target.name}: the tasks queue's Redis frozen or down (through a TCP proxy)`, () => {
    const env: Record<string, string> = { DEFAULT_RATE_LIMIT_LIMIT: '1000' };
    let proxy: TcpProxy;
    beforeAll(async () => {
      const url = new URL(redisUrl);
      proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 6379) });
      url.hostname = '127.0.0.1';
      url.port = String(proxy.port);
      env.REDIS_QUEUE_URL = url.toString();
    });
    const app = useApp(target, t, env);
    afterAll(async () => {
      await proxy?.close();
    });

    const taskRoutes = () =>
      Promise.all([
        timedRequest(app.api.baseUrl, 'POST', '/tasks/task?message=q'),
        timedRequest(app.api.baseUrl, 'GET', '/tasks/task/some-id'),
      ]);
    const recovered = () =>
      eventually(
        async () =>
          (await app.api.post('/tasks/task?message=back')).status === 201 ? 1 : undefined,
        20_000,
        'the queue to take tasks again',
      );

    for (const fault of ['cut', 'freeze'] as const) {
      it(`${fault}: task routes answer 503 + Retry-After within about 5 s, then recover`, async () => {
        expect((await app.api.post('/tasks/task?message=before')).status).toBe(201);
        proxy[fault]();
        let answers: Awaited<ReturnType<typeof taskRoutes>>;
        try {
          answers = await taskRoutes();
        } finally {
          proxy.restore();
        }
        expectUnavailable(expect, answers);
        await recovered();
      });
    }
  });
}
