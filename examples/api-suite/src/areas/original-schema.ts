import { ApiClient } from '../client.js';
import { ADMIN, type ApiSuiteTarget, createUser, type RunningApp, SUITE_ENV } from '../fixtures.js';
import {
  ORIGINAL_DATA,
  ORIGINAL_SCHEMA,
  ORIGINAL_TOKEN_BLACKLIST,
  type PreparedDatabase,
  prepareDatabase,
} from '../original-database.js';
import type { TestApi } from '../test-api.js';

/**
 * A server zone other than UTC, where a timestamp read with the session's zone instead of as UTC
 * is three hours off (São Paulo has had no daylight saving time since 2019).
 */
const SERVER_TIME_ZONE = 'America/Sao_Paulo';

/** Every timestamp column of the original's tables (all five hold naive UTC there). */
const ORIGINAL_TIMESTAMPS = [
  'post.created_at',
  'post.deleted_at',
  'post.updated_at',
  'rate_limit.created_at',
  'rate_limit.updated_at',
  'tier.created_at',
  'tier.updated_at',
  'token_blacklist.expires_at',
  'user.created_at',
  'user.deleted_at',
  'user.updated_at',
];

/** Without Redis, so logouts go to the database's `token_blacklist` table, the original's here. */
const WITHOUT_REDIS = {
  REDIS_URL: '',
  REDIS_CACHE_URL: '',
  REDIS_RATE_LIMIT_URL: '',
  REDIS_QUEUE_URL: '',
};

/**
 * The documented path from the original FastAPI boilerplate: its PostgreSQL tables, made by its
 * SQLAlchemy DDL and holding its rows, are adopted by the migrations when the app first starts
 * on them; what it stored reads back through the API and new rows get this app's defaults. The
 * database runs in a zone other than UTC, as a server set to local time does, and holds the
 * `token_blacklist` table of a release with logout.
 */
export function registerOriginalSchema(target: ApiSuiteTarget, t: TestApi) {
  const { afterAll, beforeAll, describe, expect, it } = t;
  describe(`${target.name}: migrating from the original's database`, () => {
    let database: PreparedDatabase;
    let running: RunningApp | undefined;
    let api: ApiClient;
    let adminToken: string;
    const start = async () => {
      running = await target.start(
        { ...SUITE_ENV, ...WITHOUT_REDIS, ...database.env },
        { isolateDatabase: false },
      );
      api = new ApiClient(running.baseUrl);
      adminToken = await api.login(ADMIN.username, ADMIN.password);
    };
    const handle = () => ({
      api,
      adminToken,
      expect,
      sql: (text: string, params?: unknown[]) => running!.sql(text, params),
    });

    beforeAll(async () => {
      database = await prepareDatabase([ORIGINAL_SCHEMA, ORIGINAL_TOKEN_BLACKLIST, ORIGINAL_DATA], {
        timeZone: SERVER_TIME_ZONE,
      });
      await start();
    });
    afterAll(async () => {
      await running?.close();
      await database?.drop();
    });

    it("starts on the original's tables and reads back every row it wrote", async () => {
      const writer = await api.get('/user/origwriter');
      expect(writer.status, writer.text).toBe(200);
      expect(writer.body).toMatchObject({
        name: 'Original Writer',
        username: 'origwriter',
        email: 'origwriter@example.com',
        profile_image_url: 'https://example.com/me.png',
      });
      const posts = await api.get('/origwriter/posts');
      expect(posts.status, posts.text).toBe(200);
      expect(posts.body.total_count).toBe(2);
      expect(posts.body.data.map((post: { title: string }) => post.title)).toEqual([
        'First original post',
        'Second original post',
      ]);
      expect(posts.body.data[1]).toMatchObject({ media_url: 'https://example.com/pic.png' });
      const tiers = await api.get('/tiers');
      expect(tiers.body.data.map((tier: { name: string }) => tier.name)).toEqual(['free', 'pro']);
      const rules = await api.get('/tier/pro/rate_limits');
      expect(rules.body.data).toEqual([
        expect.objectContaining({ path: 'api_v1_tasks_task', limit: 50, period: 60 }),
      ]);
      const tier = await api.get('/user/origwriter/tier');
      expect(tier.body.tier_name, tier.text).toBe('pro');
      const superuser = await api.get('/user/origadmin');
      expect(superuser.status).toBe(200);
    });

    it("reads the original's naive UTC timestamps as UTC, whatever the server's zone", async () => {
      const [zone] = await running!.sql("SELECT current_setting('TimeZone') AS zone");
      expect(zone?.zone, 'the sessions run in the server zone').toBe(SERVER_TIME_ZONE);
      const columns = await running!.sql(
        `SELECT table_name || '.' || column_name AS name, data_type FROM information_schema.columns
          WHERE table_schema = current_schema() AND data_type LIKE 'timestamp%'
            AND table_name IN ('user', 'post', 'tier', 'rate_limit', 'token_blacklist')
          ORDER BY 1`,
      );
      expect(columns.map((column) => column.name)).toEqual(ORIGINAL_TIMESTAMPS);
      for (const column of columns) {
        expect(column.data_type, String(column.name)).toBe('timestamp with time zone');
      }
      const tiers = await api.get('/tiers');
      expect(tiers.body.data.map((tier: { created_at: string }) => tier.created_at)).toEqual([
        '2024-01-02T03:04:05.000Z',
        '2024-01-02T03:04:06.000Z',
      ]);
      const posts = await api.get('/origwriter/posts');
      expect(posts.body.data[0].created_at).toBe('2024-01-05T09:00:00.000Z');
      const tier = await api.get('/user/origwriter/tier');
      expect(tier.body.tier_created_at).toBe('2024-01-02T03:04:06.000Z');
      const [blacklisted] = await running!.sql(
        `SELECT count(*)::int AS rows FROM token_blacklist
          WHERE expires_at = '2100-01-01T00:00:00Z'::timestamptz`,
      );
      expect(blacklisted?.rows, "the original's logouts, read as UTC").toBe(1);
    });

    it('writes new rows with the defaults the original left to Python', async () => {
      const user = await createUser(handle(), { username: 'movednew' });
      const post = await api.post(
        `/${user.username}/post`,
        { title: 'New', text: 'T' },
        user.token,
      );
      expect(post.status, post.text).toBe(201);
      expect(post.body.created_by_user_id).toBe(user.id);
      expect(user.id, 'ids go on after the original rows').toBeGreaterThan(2);
      const me = await api.get('/user/me/', user.token);
      expect(me.body.profile_image_url).toBe('https://profileimageurl.com');
      const before = Date.now();
      const tier = await api.post('/tier', { name: 'moved' }, adminToken);
      expect(tier.status, tier.text).toBe(201);
      const age = before - Date.parse(tier.body.created_at);
      expect(Math.abs(age), `created_at ${tier.body.created_at} is now`).toBeLessThan(60_000);
      const rule = { path: 'api/v1/tasks/task', limit: 3, period: 60 };
      const first = await api.post('/tier/moved/rate_limit', rule, adminToken);
      expect(first.status, first.text).toBe(201);
      const again = await api.post('/tier/moved/rate_limit', { ...rule, name: 'x' }, adminToken);
      expect(again.status, 'one rule per tier and path').toBe(400);
      const moved = await api.patch('/user/origwriter/tier', { tier_id: tier.body.id }, adminToken);
      expect(moved.status, moved.text).toBe(200);
    });

    it("logs out into the original's token_blacklist table, which keeps its own rows", async () => {
      const user = await createUser(handle(), { username: 'movedout' });
      const out = await api.request('POST', '/logout', { token: user.token });
      expect(out.status, out.text).toBe(200);
      expect((await api.get('/user/me/', user.token)).status, 'the token is logged out').toBe(401);
      const rows = await running!.sql(
        `SELECT length(token) AS length FROM token_blacklist
          WHERE expires_at > now() ORDER BY length(token)`,
      );
      expect(
        rows.map((row) => Number(row.length)),
        "this app's SHA-256, and the original's unexpired token",
      ).toEqual([64, expect.any(Number)]);
    });

    it('deletes as this app does: a tier takes its rules, a user their posts', async () => {
      const pro = await api.get('/tier/pro');
      const deleted = await api.delete('/tier/pro', adminToken);
      expect(deleted.status, deleted.text).toBe(200);
      expect((await api.get('/tier/pro')).status).toBe(404);
      const reuse = await api.post('/tier', { name: 'pro' }, adminToken);
      expect(reuse.status).toBe(201);
      expect(reuse.body.id).not.toBe(pro.body.id);
      expect((await api.get('/tier/pro/rate_limits')).body.total_count, 'rules went along').toBe(0);
      const gone = await api.delete('/db_user/origwriter', adminToken);
      expect(gone.status, gone.text).toBe(200);
      expect((await api.get('/user/origwriter')).status).toBe(404);
    });

    it('starts again on the adopted database, data intact, without adopting twice', async () => {
      await running?.close();
      running = undefined;
      await start();
      expect((await api.get('/user/movednew')).status).toBe(200);
      expect((await api.get('/movednew/posts')).body.total_count).toBe(1);
      expect((await api.get('/user/origadmin')).status).toBe(200);
    });
  });

  describe(`${target.name}: a database with only some of the original's tables`, () => {
    it('refuses to start, naming the tables it found', async () => {
      const database = await prepareDatabase([
        'CREATE TABLE tier (id SERIAL PRIMARY KEY, name VARCHAR NOT NULL UNIQUE)',
      ]);
      try {
        await expect(
          target.start({ ...SUITE_ENV, ...database.env }, { isolateDatabase: false }),
        ).rejects.toThrow(/FastAPI boilerplate's tables \(tier\)/);
      } finally {
        await database.drop();
      }
    });
  });
}
