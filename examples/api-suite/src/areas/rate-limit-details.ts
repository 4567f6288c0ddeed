import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { eventually } from '../client.js';
import {
  type ApiSuiteTarget,
  assignTier,
  createTier,
  createUser,
  DEFAULT_LIMIT,
  uniqueName,
  useApp,
} from '../fixtures.js';
import { allowed, createLimitedUser } from '../rate-limit-fixtures.js';
import type { TestApi } from '../test-api.js';

/** Headers, spoofing, concurrency and the default-rule warning of the limited route. */
export function registerRateLimitDetails(target: ApiSuiteTarget, t: TestApi) {
  const { describe, expect, it } = t;
  describe(`${target.name}: rate-limit headers, spoofing and concurrency`, () => {
    const logFile = join(tmpdir(), `kit-api-suite-${randomBytes(6).toString('hex')}`, 'app.log');
    const app = useApp(target, t, { LOG_FILE: logFile });

    it('tells the caller the applied limit in the RateLimit-Policy and RateLimit headers', async () => {
      const { user } = await createLimitedUser(app, 'hdr', { limit: 4, period: 600 });
      const remaining: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await app.api.post(`/tasks/task?message=h${i}`, undefined, user.token);
        expect(res.status).toBe(i < 4 ? 201 : 429);
        expect(res.headers.get('ratelimit-policy')).toMatch(/q=4;w=600$/);
        remaining.push(Number(/;r=(\d+);/.exec(res.headers.get('ratelimit') ?? '')?.[1]));
        // The pre-standard X-RateLimit-* names are opt-in (legacyHeaders: true).
        expect(res.headers.get('x-ratelimit-limit')).toBeNull();
      }
      expect(remaining).toEqual([3, 2, 1, 0, 0]);
    });

    it('never marks a 429 as publicly cacheable', async () => {
      const user = await createUser(app);
      let last = await app.api.post('/tasks/task?message=c', undefined, user.token);
      for (let i = 0; i < DEFAULT_LIMIT; i++) {
        last = await app.api.post('/tasks/task?message=c', undefined, user.token);
      }
      expect(last.status).toBe(429);
      expect(last.headers.get('cache-control') ?? '').not.toMatch(/public/);
    });

    it('ignores X-Forwarded-For without TRUST_PROXY, so a client cannot pick its own key', async () => {
      const statuses: number[] = [];
      for (let i = 0; i <= DEFAULT_LIMIT; i++) {
        const res = await app.api.request('POST', `/tasks/task?message=x${i}`, {
          headers: { 'x-forwarded-for': `203.0.113.${i + 1}` },
        });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([...allowed(DEFAULT_LIMIT), 429]);
    });

    it('admits exactly the limit under concurrent requests', async () => {
      const { user } = await createLimitedUser(app, 'burst', { limit: 10 });
      const answers = await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          app.api.post(`/tasks/task?message=burst${i}`, undefined, user.token),
        ),
      );
      const statuses = answers.map((res) => res.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(10);
      expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    });

    it('logs the default-rule warning (user, tier, path) to the log file', async () => {
      const tier = uniqueName('quiet');
      const tierId = await createTier(app, tier);
      const user = await createUser(app);
      await assignTier(app, user.username, tierId);
      expect((await app.api.post('/tasks/task?message=w', undefined, user.token)).status).toBe(201);
      const line = await eventually(
        async () => {
          // pino-roll numbers its files; the apps document `current.log` as the live one
          // (docs/examples.md, "Logs"), next to where LOG_FILE points.
          const text = await readFile(join(dirname(logFile), 'current.log'), 'utf8').catch(
            () => '',
          );
          return text
            .split('\n')
            .find(
              (l) =>
                l.includes(tier) && l.includes('api_v1_tasks_task') && /warn|"level":40/.test(l),
            );
        },
        10_000,
        `a default-rule warning naming tier ${tier} next to ${logFile}`,
      );
      expect(line).toContain(String(user.id));
    });
  });
}
