import { randomBytes } from 'node:crypto';
import { ApiClient } from './client.js';
import type { Expect, TestApi } from './test-api.js';

/** What each app's test file hands to {@link registerApiSuite}. */
export interface ApiSuiteTarget {
  /** Shown in the describe titles, e.g. `express`. */
  name: string;
  /**
   * Starts a fresh app (its own database, rate-limit counters and cache) on a real listener on
   * 127.0.0.1 port 0, with `env` merged over the suite's defaults and process.env.
   */
  start(env: Record<string, string | undefined>, options?: StartOptions): Promise<RunningApp>;
}

export interface StartOptions {
  /**
   * `false`: run on the database the env names (DATABASE_URL or PGLITE_DIR) instead of a fresh
   * one, for tests that prepare it first. Redis keys stay isolated. @default true
   */
  isolateDatabase?: boolean;
  /**
   * A Redis key scope to share with another app of the same test (two instances of one app:
   * one cache, one bus channel, one set of counters). @default a scope of its own
   */
  redisScope?: string;
}

export interface RunningApp {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  baseUrl: string;
  /** Runs SQL on the app's own database, for tests that seed rows no route writes. */
  sql: SqlQuery;
  close(): Promise<void>;
}

/** One parameterised statement (`$1`, `$2`, ...) and its rows. */
export type SqlQuery = (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/** The first superuser every app of the suite is started with. */
export const ADMIN = {
  name: 'Suite Admin',
  email: 'suite-admin@example.com',
  username: 'suiteadmin',
  password: 'Sup3r-secret!',
} as const;

/** The signing secret every app of the suite is started with. */
export const SECRET_KEY = 'api-suite-secret-key-0123456789abcdef0123456789';

/** Small on purpose, so tests can reach the anonymous limit in a few requests. */
export const DEFAULT_LIMIT = 3;

/** Environment the suite always passes; areas add their own on top. */
export const SUITE_ENV: Record<string, string> = {
  ADMIN_NAME: ADMIN.name,
  ADMIN_EMAIL: ADMIN.email,
  ADMIN_USERNAME: ADMIN.username,
  ADMIN_PASSWORD: ADMIN.password,
  SECRET_KEY,
  DEFAULT_RATE_LIMIT_LIMIT: String(DEFAULT_LIMIT),
  DEFAULT_RATE_LIMIT_PERIOD: '3600',
  CLIENT_CACHE_MAX_AGE: '60',
  LOG_LEVEL: 'warn',
};

/** A running app as the tests see it: the client, the superuser's token, and the suite's `expect`. */
export interface AppHandle {
  api: ApiClient;
  adminToken: string;
  /** SQL on the app's database (see {@link RunningApp.sql}). */
  sql: SqlQuery;
  /** The `expect` the suite was registered with, for fixtures that check what they create. */
  expect: Expect;
}

/**
 * Starts a fresh app for the enclosing describe block (before its tests) and stops it after.
 * The handle's fields are filled in by `beforeAll`; read them inside tests only.
 */
export function useApp(
  target: ApiSuiteTarget,
  t: TestApi,
  env: Record<string, string> = {},
): AppHandle {
  const handle = { expect: t.expect } as AppHandle;
  let running: RunningApp | undefined;
  t.beforeAll(async () => {
    running = await target.start({ ...SUITE_ENV, ...env });
    handle.api = new ApiClient(running.baseUrl);
    handle.sql = running.sql;
    handle.adminToken = await handle.api.login(ADMIN.username, ADMIN.password);
  });
  t.afterAll(async () => {
    await running?.close();
  });
  return handle;
}

let sequence = 0;

/** A fresh valid username (2–20 of `[a-z0-9]`), unique across the run. */
export function uniqueUsername(prefix = 'u'): string {
  sequence += 1;
  return `${prefix}${sequence}${randomBytes(3).toString('hex')}`.slice(0, 20);
}

/** A fresh tier or rule name. */
export function uniqueName(prefix: string): string {
  sequence += 1;
  return `${prefix}-${sequence}-${randomBytes(3).toString('hex')}`;
}

export interface TestUser {
  id: number;
  name: string;
  username: string;
  email: string;
  password: string;
  token: string;
}

/** Signs a user up through `POST /user`, logs them in, and returns what tests need. */
export async function createUser(
  { api, expect }: AppHandle,
  overrides: Partial<Pick<TestUser, 'name' | 'username' | 'email' | 'password'>> = {},
): Promise<TestUser> {
  const username = overrides.username ?? uniqueUsername();
  const user = {
    name: overrides.name ?? `Name ${username}`,
    username,
    email: overrides.email ?? `${username}@example.com`,
    password: overrides.password ?? 'Passw0rd-long',
  };
  const res = await api.post('/user', user);
  expect(res.status, res.text).toBe(201);
  const token = await api.login(user.username, user.password);
  return { ...user, id: res.body.id, token };
}

/** Creates a post as its owner and returns the stored post. */
export async function createPost(
  { api, expect }: AppHandle,
  owner: Pick<TestUser, 'username' | 'token'>,
  post: { title: string; text: string; media_url?: string },
  // biome-ignore lint/suspicious/noExplicitAny: the stored post as JSON
): Promise<any> {
  const res = await api.post(`/${owner.username}/post`, post, owner.token);
  expect(res.status, res.text).toBe(201);
  return res.body;
}

/** Creates a tier as the superuser and returns its id. */
export async function createTier(handle: AppHandle, name: string): Promise<number> {
  const res = await handle.api.post('/tier', { name }, handle.adminToken);
  handle.expect(res.status, res.text).toBe(201);
  const read = await handle.api.get(`/tier/${name}`);
  handle.expect(read.status, read.text).toBe(200);
  return read.body.id;
}

/** Creates a rule on a tier as the superuser and returns the stored rule. */
export async function createRule(
  handle: AppHandle,
  tierName: string,
  rule: { path: string; limit: number; period: number; name?: string },
  // biome-ignore lint/suspicious/noExplicitAny: the stored rule as JSON
): Promise<any> {
  const res = await handle.api.post(`/tier/${tierName}/rate_limit`, rule, handle.adminToken);
  handle.expect(res.status, res.text).toBe(201);
  return res.body;
}

/** Puts a user on a tier as the superuser. */
export async function assignTier(handle: AppHandle, username: string, tierId: number) {
  const res = await handle.api.patch(
    `/user/${username}/tier`,
    { tier_id: tierId },
    handle.adminToken,
  );
  handle.expect(res.status, res.text).toBe(200);
}

/** The `X-Cache` header of an answer, upper-cased, or `undefined`. */
export function cacheStatus(res: { headers: Headers }): string | undefined {
  return res.headers.get('x-cache')?.toUpperCase();
}

/** Asserts the paginated shape of the original: exactly these five keys. */
export function expectPage(
  expect: Expect,
  // biome-ignore lint/suspicious/noExplicitAny: JSON body
  body: any,
  expected: { page: number; itemsPerPage: number; totalCount?: number },
) {
  expect(Object.keys(body).sort()).toEqual(
    ['data', 'has_more', 'items_per_page', 'page', 'total_count'].sort(),
  );
  expect(Array.isArray(body.data)).toBe(true);
  expect(body.page).toBe(expected.page);
  expect(body.items_per_page).toBe(expected.itemsPerPage);
  if (expected.totalCount !== undefined) expect(body.total_count).toBe(expected.totalCount);
  expect(body.has_more).toBe(expected.page * expected.itemsPerPage < body.total_count);
  expect(body.data.length).toBeLessThanOrEqual(expected.itemsPerPage);
}
