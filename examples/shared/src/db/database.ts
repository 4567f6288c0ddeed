import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { throttleOf } from '../faults/log-throttle.js';
import type { Logger } from '../logger.js';
import { resolveProjectPath, type Settings } from '../settings.js';
import { lockDirectory } from './dir-lock.js';
import { runMigrations, type SqlRunner } from './migrate.js';
import { withQueryTimeout } from './query-timeout.js';
import { schema } from './schema.js';

/** Drizzle over either driver: the app code never knows which one it has. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  /** `pglite` (embedded) or `postgres` (DATABASE_URL). */
  kind: 'pglite' | 'postgres';
  /** Where the data lives, without credentials. */
  location: string;
  /** One parameterised SQL statement outside drizzle (tests seed rows with it). */
  query: SqlRunner['query'];
  close(): Promise<void>;
}

/**
 * Opens the database named by the settings and applies the SQL migrations: PGlite (WASM Postgres,
 * in `PGLITE_DIR`, `memory://` for a throwaway one) by default, node-postgres with DATABASE_URL.
 * With `isolate`, a DATABASE_URL server gets a fresh temporary database, dropped on close, and
 * PGlite runs in memory.
 */
export async function openDatabase(
  settings: Settings,
  logger: Logger,
  options: { isolate?: boolean } = {},
): Promise<Database> {
  const timeouts = {
    connectMs: settings.DB_CONNECT_TIMEOUT_SECONDS * 1000,
    statementMs: settings.DB_STATEMENT_TIMEOUT_SECONDS * 1000,
  };
  if (settings.DATABASE_URL) {
    return openPostgres(settings.DATABASE_URL, logger, timeouts, options.isolate);
  }
  // An isolated context never shares the embedded database with another one.
  return openPglite(options.isolate ? 'memory://' : settings.PGLITE_DIR, logger, timeouts);
}

/** How long a request may wait for the database, so an outage is a 503 and never a hang. */
interface Timeouts {
  /** Connecting, and waiting for a free pooled connection. */
  connectMs: number;
  /** One statement (server-side on PostgreSQL; waiting plus running on PGlite). */
  statementMs: number;
}

async function openPglite(dir: string, logger: Logger, timeouts: Timeouts): Promise<Database> {
  const inMemory = dir.startsWith('memory://');
  const dataDir = inMemory ? dir : resolveProjectPath(dir);
  // PGlite is single-process: a second process on the same directory would corrupt it.
  const unlock = inMemory ? async () => {} : await lockDirectory(dataDir);
  try {
    const client = await PGlite.create(dataDir);
    const runner: SqlRunner = {
      exec: async (text) => void (await client.exec(text)),
      query: async (text, params) =>
        (await client.query<Record<string, unknown>>(text, params)).rows,
      transaction: (fn) =>
        client.transaction((tx) =>
          fn({
            ...runner,
            exec: async (t) => void (await tx.exec(t)),
            query: async (t, p) => (await tx.query<Record<string, unknown>>(t, p)).rows,
          }),
        ),
    };
    await runMigrations(runner, logger).catch(async (error) => {
      await client.close().catch(() => {});
      throw error;
    });
    return {
      // Migrations above ran without a deadline; requests get one.
      db: drizzlePglite({
        client: withQueryTimeout(client, timeouts.statementMs),
        schema,
      }) as unknown as Db,
      kind: 'pglite',
      location: dataDir,
      query: runner.query,
      close: async () => {
        await client.close();
        await unlock();
      },
    };
  } catch (error) {
    await unlock();
    throw error;
  }
}

async function openPostgres(
  url: string,
  logger: Logger,
  timeouts: Timeouts,
  isolate = false,
): Promise<Database> {
  let target = new URL(url);
  let dropTemporary = async () => {};
  if (isolate) {
    const name = `kit_example_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: timeouts.connectMs,
    });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    target = new URL(url);
    target.pathname = `/${name}`;
    dropTemporary = async () => {
      const dropper = new pg.Client({
        connectionString: url,
        connectionTimeoutMillis: timeouts.connectMs,
      });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    };
  }
  const pool = new pg.Pool({
    connectionString: target.toString(),
    max: 10,
    // Bounds both a new connection and the wait for a free one when all ten are busy.
    connectionTimeoutMillis: timeouts.connectMs,
    // The server cancels a slow statement; the client gives up a little later on a link that
    // froze, where the server's cancel can never arrive (the pool then drops that connection).
    statement_timeout: timeouts.statementMs,
    query_timeout: timeouts.statementMs + 500,
    keepAlive: true,
  });
  // An idle client losing its connection must not crash the process, nor flood the logs.
  const throttle = throttleOf(logger);
  pool.on('error', (error) =>
    throttle.log(logger, 'warn', 'postgres idle connection', { err: error }, 'postgres pool error'),
  );
  try {
    const runner: SqlRunner = poolRunner(pool);
    await runMigrations(runner, logger);
  } catch (error) {
    await pool.end();
    await dropTemporary();
    throw error;
  }
  const location = `${target.host}${target.pathname}`;
  return {
    db: drizzlePg({ client: pool, schema }) as unknown as Db,
    kind: 'postgres',
    location,
    query: poolRunner(pool).query,
    close: async () => {
      await pool.end();
      await dropTemporary();
    },
  };
}

function poolRunner(pool: pg.Pool): SqlRunner {
  const clientRunner = (client: pg.PoolClient | pg.Pool): SqlRunner => ({
    exec: async (text) => void (await client.query(text)),
    query: async (text, params) => (await client.query(text, params)).rows,
    transaction: async () => {
      throw new Error('nested transactions are not supported');
    },
  });
  return {
    ...clientRunner(pool),
    transaction: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(clientRunner(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
  };
}
