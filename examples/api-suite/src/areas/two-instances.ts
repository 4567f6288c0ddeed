import { randomBytes } from 'node:crypto';
import { ApiClient } from '../client.js';
import {
  ADMIN,
  type ApiSuiteTarget,
  type AppHandle,
  cacheStatus,
  createPost,
  createUser,
  type RunningApp,
  SUITE_ENV,
} from '../fixtures.js';
import { type PreparedDatabase, prepareDatabase } from '../original-database.js';
import type { TestApi } from '../test-api.js';

/**
 * Two instances of the app on one PostgreSQL and one Redis, as behind a load balancer: each
 * answers hits from its own memory layer, and a write on one is seen by the other at once
 * (the bus evicts the other's copy). Only with DATABASE_URL and REDIS_URL: embedded PGlite
 * cannot be opened by two instances, and memory stores are per process by design.
 */
/**
 * Reads `path` until `seen` holds of the body, for at most 50 ms (the bus's target): the first
 * read almost always sees the write; the bus message and the next request race on separate
 * sockets, so a read may rarely land just before the eviction.
 */
async function readUntil(
  handle: AppHandle,
  path: string,
  seen: (body: { title?: string; total_count?: number }) => boolean,
) {
  const deadline = Date.now() + 50;
  let read = await handle.api.get(path);
  while (!seen(read.body) && Date.now() < deadline) read = await handle.api.get(path);
  return read;
}

export function registerTwoInstances(target: ApiSuiteTarget, t: TestApi) {
  if (!process.env.DATABASE_URL || !process.env.REDIS_URL) return;
  const { afterAll, beforeAll, describe, expect, it } = t;
  describe(`${target.name}: two instances on one Redis and one PostgreSQL`, () => {
    let database: PreparedDatabase;
    const running: RunningApp[] = [];
    let a: AppHandle;
    let b: AppHandle;

    beforeAll(async () => {
      database = await prepareDatabase([]);
      const redisScope = `kitpair${randomBytes(4).toString('hex')}:`;
      const start = async () => {
        const app = await target.start(
          { ...SUITE_ENV, ...database.env },
          { isolateDatabase: false, redisScope },
        );
        running.push(app);
        const api = new ApiClient(app.baseUrl);
        const adminToken = await api.login(ADMIN.username, ADMIN.password);
        return { api, adminToken, expect, sql: app.sql };
      };
      // One after the other: the first runs the migrations and seeds the superuser.
      a = await start();
      b = await start();
      // Both buses subscribed before anything is cached.
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    afterAll(async () => {
      for (const app of running) await app.close();
      await database?.drop();
    });

    it('serves a post cached on one instance from the other, and a write on either is seen by both at once', async () => {
      const user = await createUser(a);
      const post = await createPost(a, user, { title: 'First title', text: 'text' });
      const path = `/${user.username}/post/${post.id}`;
      for (const app of [a, b]) {
        await app.api.get(path);
        const hit = await app.api.get(path);
        expect(cacheStatus(hit), 'second read').toBe('HIT');
        expect(hit.body.title).toBe('First title');
      }
      const patched = await a.api.patch(path, { title: 'Second title' }, user.token);
      expect(patched.status, patched.text).toBe(200);
      for (const app of [b, a]) {
        const read = await readUntil(app, path, (body) => body.title === 'Second title');
        expect(read.body.title, 'read right after the write').toBe('Second title');
      }
      // And the other way round: a write on b, read on a's memory layer.
      await a.api.get(path);
      expect(cacheStatus(await a.api.get(path))).toBe('HIT');
      const again = await b.api.patch(path, { title: 'Third title' }, user.token);
      expect(again.status, again.text).toBe(200);
      const third = await readUntil(a, path, (body) => body.title === 'Third title');
      expect(third.body.title).toBe('Third title');
    });

    it('keeps list pages coherent across instances: a new post on one shows on the other', async () => {
      const user = await createUser(b);
      await createPost(b, user, { title: 'one', text: 'text' });
      const list = `/${user.username}/posts?page=1&items_per_page=10`;
      for (const app of [a, b]) {
        await app.api.get(list);
        expect(cacheStatus(await app.api.get(list))).toBe('HIT');
      }
      await createPost(b, user, { title: 'two', text: 'text' });
      for (const app of [a, b]) {
        const read = await readUntil(app, list, (body) => body.total_count === 2);
        expect(read.body.total_count, 'total right after the write').toBe(2);
      }
      const deleted = await a.api.delete(
        `/${user.username}/post/${(await b.api.get(list)).body.data[0].id}`,
        user.token,
      );
      expect(deleted.status, deleted.text).toBeLessThan(300);
      const after = await readUntil(b, list, (body) => body.total_count === 1);
      expect(after.body.total_count).toBe(1);
    });
  });
}
