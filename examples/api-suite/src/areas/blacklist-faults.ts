import { startTcpProxy, type TcpProxy } from '../../../../testing/tcp-proxy.js';
import { ApiClient } from '../client.js';
import {
  ADMIN,
  type ApiSuiteTarget,
  createUser,
  type RunningApp,
  SUITE_ENV,
  type TestUser,
} from '../fixtures.js';
import type { TestApi } from '../test-api.js';

/**
 * The token blacklist on a Redis whose link breaks: a list that cannot be read must neither let
 * a logged-out token through nor hang the request. Registered with REDIS_URL (without it the
 * list lives in the database).
 */
export function registerBlacklistFaults(target: ApiSuiteTarget, t: TestApi) {
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) return;
  const { afterAll, beforeAll, describe, expect, it } = t;
  describe(`${target.name}: the token blacklist while Redis is unreachable`, () => {
    const url = new URL(redisUrl);
    let proxy: TcpProxy;
    let running: RunningApp | undefined;
    let api: ApiClient;
    let user: TestUser;
    beforeAll(async () => {
      proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 6379) });
      running = await target.start({ ...SUITE_ENV, REDIS_URL: proxy.url });
      api = new ApiClient(running.baseUrl);
      const admin = await api.login(ADMIN.username, ADMIN.password);
      user = await createUser({ api, adminToken: admin, expect, sql: running.sql });
    });
    afterAll(async () => {
      await running?.close();
      await proxy?.close();
    });

    for (const [fault, link] of [
      ['freeze', 'frozen'],
      ['cut', 'cut'],
    ] as const) {
      it(`answers 503 with Retry-After within seconds on a ${link} link, then recovers`, async () => {
        const access = await api.login(user.username, user.password);
        expect((await api.get('/user/me/', access)).status).toBe(200);
        proxy[fault]();
        try {
          const started = Date.now();
          const res = await api.get('/user/me/', access);
          expect(res.status, res.text).toBe(503);
          expect(res.body).toEqual({ detail: 'Service unavailable' });
          expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
          expect(Date.now() - started, 'no hang').toBeLessThan(5000);
        } finally {
          proxy.restore();
        }
        let status = 0;
        for (let i = 0; i < 50 && status !== 200; i++) {
          status = (await api.get('/user/me/', access)).status;
          if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
        }
        expect(status, 'back once Redis is').toBe(200);
      });
    }
  });
}
