import { ApiClient } from '../client.js';
import {
  type ApiSuiteTarget,
  type AppHandle,
  type RunningApp,
  SUITE_ENV,
  uniqueUsername,
  useApp,
} from '../fixtures.js';
import {
  ORIGINAL_DATA,
  ORIGINAL_SCHEMA,
  type PreparedDatabase,
  prepareDatabase,
} from '../original-database.js';
import type { TestApi } from '../test-api.js';

/** The password of both users of the original's fixture rows (see its comment). */
const ORIGINAL_PASSWORD = 'Orig1nal-pass!';

/**
 * Hashes as the original app stored them, made by other implementations than the app's: glibc
 * `crypt()` for SHA-256-crypt (what passlib's `sha256_crypt` writes), PHP's manual and bcryptjs
 * for bcrypt.
 */
const MIGRATED: { scheme: string; password: string; hash: string }[] = [
  {
    scheme: 'sha256_crypt, passlib default rounds',
    password: 'Migr4ted-pass!',
    hash: '$5$rounds=535000$Xq2dfz1kLmNop7Rs$CA8UAQ29R3EI7RGNFb1GlT5u0cPlGncZQ2YmnO.5UFA',
  },
  {
    scheme: 'sha256_crypt, rounds=5000',
    password: 'Migr4ted-pass!',
    hash: '$5$rounds=5000$Xq2dfz1kLmNop7Rs$Q5jX4exEauEYHZFqjN5TLCuR4J8HhoYDd1FB/JgiuI/',
  },
  {
    scheme: 'sha256_crypt, implicit rounds',
    password: 'Migr4ted-pass!',
    hash: '$5$kLmNop7RsXq2dfz1$zrqvuky070DSo4X4ttKlSvRaHoSOBzA4FOda/fX8gPA',
  },
  {
    scheme: 'bcrypt $2b$',
    password: 'Migr4ted-pass!',
    hash: '$2b$04$zRg6Bhdk5FMnfLeZ9hGeqOw3MMzwQQEXaFxNjiLtEjUKHPqhnYH9y',
  },
  {
    scheme: 'bcrypt $2a$',
    password: 'rasmuslerdorf',
    hash: '$2a$07$usesomesillystringfore2uDLvp1Ii2e./U9C8sBjqp8I90dH6hi',
  },
  {
    scheme: 'bcrypt $2y$',
    password: 'rasmuslerdorf',
    hash: '$2y$07$usesomesillystringfore2uDLvp1Ii2e./U9C8sBjqp8I90dH6hi',
  },
];

/** A user row written as a migration from the original would leave it. */
async function seedMigratedUser(app: AppHandle, hash: string): Promise<string> {
  const username = uniqueUsername('mig');
  await app.sql(
    `INSERT INTO "user" (name, username, email, hashed_password) VALUES ($1, $2, $3, $4)`,
    ['Migrated User', username, `${username}@example.com`, hash],
  );
  return username;
}

async function storedHash(app: Pick<AppHandle, 'sql'>, username: string): Promise<string> {
  const [row] = await app.sql('SELECT hashed_password FROM "user" WHERE username = $1', [username]);
  return String(row?.hashed_password);
}

/** Issue 11, finding 7: users migrated from the original log in, and are rehashed. */
export function registerPasswordMigration(target: ApiSuiteTarget, t: TestApi) {
  const { afterAll, beforeAll, describe, expect, it } = t;
  describe(`${target.name}: password hashes migrated from the original`, () => {
    const app = useApp(target, t);

    for (const { scheme, password, hash } of MIGRATED) {
      it(`logs a ${scheme} user in and rehashes them to the app's scheme`, async () => {
        const username = await seedMigratedUser(app, hash);
        const wrong = await app.api.loginResponse(username, `${password}x`);
        expect(wrong.status, wrong.text).toBe(401);
        expect(await storedHash(app, username), 'a failed login leaves the hash').toBe(hash);

        const token = await app.api.login(username, password);
        expect((await app.api.get('/user/me/', token)).body.username).toBe(username);
        const rehashed = await storedHash(app, username);
        expect(rehashed).toMatch(/^scrypt\$/);

        // The new hash works, the token of the first login too (a rehash is no password change).
        expect((await app.api.get('/user/me/', token)).status).toBe(200);
        expect((await app.api.loginResponse(username, password)).status).toBe(200);
        expect((await app.api.loginResponse(username, `${password}x`)).status).toBe(401);
        expect(await storedHash(app, username), 'rehashed once').toBe(rehashed);
      });
    }

    it('refuses a hash of a scheme it does not know, without failing', async () => {
      const username = await seedMigratedUser(app, '$6$rounds=5000$salt$unknown');
      const res = await app.api.loginResponse(username, 'anything');
      expect(res.status, res.text).toBe(401);
      expect(res.body).toEqual({ detail: 'Wrong username, email or password.' });
    });
  });

  describe(`${target.name}: users of the original's database log in`, () => {
    let database: PreparedDatabase;
    let running: RunningApp;
    beforeAll(async () => {
      database = await prepareDatabase([ORIGINAL_SCHEMA, ORIGINAL_DATA]);
      running = await target.start({ ...SUITE_ENV, ...database.env }, { isolateDatabase: false });
    });
    afterAll(async () => {
      await running?.close();
      await database?.drop();
    });

    it("logs the original's users in with their passlib hashes, then rehashes them", async () => {
      const api = new ApiClient(running.baseUrl);
      for (const [login, username] of [
        ['origwriter', 'origwriter'],
        ['origadmin@example.com', 'origadmin'],
      ] as const) {
        expect(await storedHash(running, username)).toMatch(/^\$5\$rounds=535000\$/);
        const token = await api.login(login, ORIGINAL_PASSWORD);
        const me = await api.get('/user/me/', token);
        expect(me.body.username, me.text).toBe(username);
        expect(await storedHash(running, username)).toMatch(/^scrypt\$/);
        expect((await api.loginResponse(login, ORIGINAL_PASSWORD)).status).toBe(200);
      }
    });
  });
}
