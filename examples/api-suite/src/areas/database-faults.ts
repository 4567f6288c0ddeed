import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { errorResponse, withQueryTimeout } from '@kit/example-shared';
import pino from 'pino';
import { startTcpProxy, type TcpProxy } from '../../../../testing/tcp-proxy.js';
import { eventually } from '../client.js';
import {
  expectUnavailable,
  readLogLines,
  type TimedAnswer,
  timedRequest,
} from '../faults/timed-request.js';
import {
  ADMIN,
  type ApiSuiteTarget,
  type AppHandle,
  createUser,
  DEFAULT_LIMIT,
  type TestUser,
  useApp,
} from '../fixtures.js';
import { allowed, taskStatuses } from '../rate-limit-fixtures.js';
import type { TestApi } from '../test-api.js';

/** "About 5 s": the defaults give up after 2 s (connect) or 3.5 s (a statement on a frozen link). */

const silentLogger = pino({ level: 'silent' });

/**
 * PostgreSQL down or frozen, made for real with a TCP proxy between the app and the server:
 * every request that needs the database answers 503 with `Retry-After` within about 5 s (never
 * 500, never a hang), logs stay bounded, users are not charged to the IP bucket, and the app
 * recovers by itself. Registered when DATABASE_URL is set (the PostgreSQL + Redis pass).
 */
export function registerDatabaseFaults(target: ApiSuiteTarget, t: TestApi) {
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl) registerProxyFaults(target, t, databaseUrl);
  registerPgliteTimeout(target, t);
}

function registerProxyFaults(target: ApiSuiteTarget, t: TestApi, databaseUrl: string) {
  const { describe, expect, it, beforeAll, afterAll } = t;

  /** An app whose DATABASE_URL goes through a fresh proxy, logging to a directory of its own. */
  function useProxiedApp() {
    const env: Record<string, string> = {};
    const state = {} as { proxy: TcpProxy; logDir: string };
    beforeAll(async () => {
      const url = new URL(databaseUrl);
      state.proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
      url.hostname = '127.0.0.1';
      url.port = String(state.proxy.port);
      state.logDir = mkdtempSync(join(tmpdir(), 'kit-db-faults-'));
      Object.assign(env, { DATABASE_URL: url.toString(), LOG_FILE: join(state.logDir, 'app.log') });
    });
    // Registered after the proxy's hooks: the app starts once env is filled in and stops first.
    const app = useApp(target, t, env);
    afterAll(async () => {
      await state.proxy?.close();
      if (state.logDir) rmSync(state.logDir, { recursive: true, force: true });
    });
    return { app, state };
  }

  /** The routes that need the database, as a logged-in user and anonymously. */
  const databaseRoutes = (base: string, user: TestUser) => [
    timedRequest(base, 'GET', '/user/me/', { token: user.token }),
    // Rate limited: identity is looked up (in the database) before the limit is checked.
    timedRequest(base, 'POST', '/tasks/task?message=frozen', { token: user.token }),
    timedRequest(base, 'POST', '/login', {
      form: { username: ADMIN.username, password: ADMIN.password },
    }),
    timedRequest(base, 'GET', `/user/${user.username}`),
    timedRequest(base, 'GET', '/tiers'),
  ];

  const recovered = (app: AppHandle, user: TestUser) =>
    eventually(
      async () => ((await app.api.get('/user/me/', user.token)).status === 200 ? true : undefined),
      15_000,
      'the app to serve again once the database is back',
    );

  describe(`${target.name}: PostgreSQL frozen or down (through a TCP proxy)`, () => {
    const { app, state } = useProxiedApp();

    it('frozen link: 503 + Retry-After within about 5 s on every database route, then recovers', async () => {
      const user = await createUser(app);
      state.proxy.freeze();
      try {
        expectUnavailable(expect, await Promise.all(databaseRoutes(app.api.baseUrl, user)));
      } finally {
        state.proxy.restore();
      }
      await recovered(app, user);
    });

    it('cut link: 503 + Retry-After at once, one log line per kind, then recovers', async () => {
      const user = await createUser(app);
      const before = readLogLines(state.logDir).length;
      state.proxy.cut();
      const answers: TimedAnswer[] = [];
      try {
        // 150 failing requests; the unthrottled app wrote a line and a stack for each.
        for (let round = 0; round < 30; round += 1) {
          answers.push(...(await Promise.all(databaseRoutes(app.api.baseUrl, user))));
        }
      } finally {
        state.proxy.restore();
      }
      expectUnavailable(expect, answers);
      await recovered(app, user);
      // The log is written by a worker thread: wait until the outage shows up in it.
      const lines = await eventually(async () => {
        const all = readLogLines(state.logDir).slice(before);
        return all.some((line) => line.includes('dependency unavailable')) ? all : undefined;
      }, 5000);
      const bytes = lines.reduce((sum, line) => sum + line.length + 1, 0);
      expect(lines.length, lines.join('\n').slice(0, 4000)).toBeLessThanOrEqual(12);
      expect(bytes).toBeLessThan(64 * 1024);
    });

    it('never charges a logged-in user to the anonymous IP bucket while the database is down', async () => {
      const user = await createUser(app);
      state.proxy.cut();
      try {
        for (let i = 0; i < DEFAULT_LIMIT + 2; i += 1) {
          const res = await timedRequest(app.api.baseUrl, 'POST', '/tasks/task?message=u', {
            token: user.token,
          });
          expect(res.status).toBe(503);
        }
      } finally {
        state.proxy.restore();
      }
      await recovered(app, user);
      // The IP's own allowance is untouched: all of it is still there for anonymous callers.
      expect(await taskStatuses(app, DEFAULT_LIMIT)).toEqual(allowed(DEFAULT_LIMIT));
    });
  });
}

/**
 * PGlite runs one statement at a time in this process and cannot interrupt one that started: it
 * ignores statement_timeout, and pg_sleep blocks the whole event loop, so no timer could fire.
 * An HTTP burst never makes requests wait for it either (each statement finishes before the next
 * request is read). What can wait is a request behind a transaction holding PGlite's one
 * connection: that is what the query timeout bounds, tested here on a real PGlite.
 */
function registerPgliteTimeout(target: ApiSuiteTarget, t: TestApi) {
  const { describe, expect, it } = t;
  describe(`${target.name}: embedded PGlite query timeout`, () => {
    it('gives up waiting behind a held transaction (a 503 for the client), then serves', async () => {
      const client = await PGlite.create('memory://');
      try {
        const timed = withQueryTimeout(client, 300);
        let release = () => {};
        const held = client.transaction(() => new Promise<void>((resolve) => (release = resolve)));
        const started = Date.now();
        const error = await timed.query('SELECT 1').then(
          () => null,
          (caught: unknown) => caught,
        );
        expect(Date.now() - started).toBeLessThan(2000);
        const answer = errorResponse(error, silentLogger);
        expect(answer.status).toBe(503);
        expect(answer.body).toEqual({ detail: 'Service unavailable' });
        expect(Number(answer.headers['Retry-After'])).toBeGreaterThan(0);
        release();
        await held;
        expect((await timed.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      } finally {
        await client.close();
      }
    });
  });
}
