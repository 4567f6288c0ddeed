import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** The original FastAPI boilerplate 0.5.0's DDL, and rows as its API wrote them. */
export const ORIGINAL_SCHEMA = 'fastapi-boilerplate-0.5.0.sql';
export const ORIGINAL_DATA = 'fastapi-boilerplate-0.5.0-data.sql';
/** The `token_blacklist` table (and two rows) its logout added, for a release that had one. */
export const ORIGINAL_TOKEN_BLACKLIST = 'fastapi-boilerplate-token-blacklist.sql';

/** A database prepared before the app starts on it, and how to point the app at it. */
export interface PreparedDatabase {
  /** `DATABASE_URL` or `PGLITE_DIR`, to merge into the app's env. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

export interface PrepareOptions {
  /**
   * The database's `TimeZone` for every later session, as a server set to local time would have
   * it: `ALTER DATABASE` on PostgreSQL (never the shared server's own setting), `ALTER SYSTEM` in
   * the PGlite directory (its own).
   */
  timeZone?: string;
}

/**
 * A fresh database holding what `sql` (fixture file names, or SQL text) makes: a new database
 * on the DATABASE_URL server when the suite runs on PostgreSQL, else a PGlite directory.
 */
export async function prepareDatabase(
  sql: string[],
  options: PrepareOptions = {},
): Promise<PreparedDatabase> {
  const texts = await Promise.all(
    sql.map((item) => (item.endsWith('.sql') ? readFile(join(fixturesDir, item), 'utf8') : item)),
  );
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl) {
    const name = `kit_example_orig_${randomBytes(6).toString('hex')}`;
    await withClient(serverUrl, async (client) => {
      await client.query(`CREATE DATABASE ${name}`);
      if (options.timeZone) {
        await client.query(
          `ALTER DATABASE ${name} SET timezone TO ${quoteLiteral(options.timeZone)}`,
        );
      }
    });
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    await withClient(url.toString(), async (client) => {
      for (const text of texts) await client.query(text);
    });
    return {
      env: { DATABASE_URL: url.toString() },
      drop: async () => {
        await withClient(serverUrl, (client) =>
          client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
        );
      },
    };
  }
  const dir = await mkdtemp(join(tmpdir(), 'kit-orig-'));
  const db = await PGlite.create(dir);
  try {
    if (options.timeZone)
      await db.exec(`ALTER SYSTEM SET timezone TO ${quoteLiteral(options.timeZone)}`);
    for (const text of texts) await db.exec(text);
  } finally {
    await db.close();
  }
  return { env: { PGLITE_DIR: dir }, drop: () => rm(dir, { recursive: true, force: true }) };
}

function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
