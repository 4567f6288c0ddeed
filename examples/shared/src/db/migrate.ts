import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../logger.js';
import { ADOPTED_MIGRATION, ADOPTION_FILE, holdsOriginalSchema } from './adopt-original.js';

/** The little a migration needs from a driver. */
export interface SqlRunner {
  /** Runs one or more statements without parameters. */
  exec(text: string): Promise<void>;
  query(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
}

export const migrationsDir: string = fileURLToPath(new URL('../../migrations/', import.meta.url));

/** Any constant works; it only has to be the same in every process running these migrations. */
const MIGRATION_LOCK_ID = 7_460_213;

/**
 * Applies each `migrations/NNNN_*.sql` file not yet recorded in `schema_migrations`, in name
 * order, each in its own transaction. On a database made by the original FastAPI boilerplate,
 * `0001_init.sql` is replaced by the script that adopts its tables. An advisory lock keeps two processes starting at once
 * against one server from applying the same file twice.
 */
export async function runMigrations(runner: SqlRunner, logger: Logger): Promise<string[]> {
  await runner.exec(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       name text PRIMARY KEY,
       applied_at timestamptz NOT NULL DEFAULT now()
     )`,
  );
  const files = (await readdir(migrationsDir)).filter((file) => file.endsWith('.sql')).sort();
  const applied: string[] = [];
  for (const file of files) {
    const text = await readFile(new URL(file, `file://${migrationsDir}`), 'utf8');
    const done = await runner.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
      const rows = await tx.query('SELECT 1 FROM schema_migrations WHERE name = $1', [file]);
      if (rows.length > 0) return false;
      if (file === ADOPTED_MIGRATION && (await holdsOriginalSchema(tx))) {
        // The original's tables are there already: reshape them instead of creating them.
        await tx.exec(await readFile(new URL(ADOPTION_FILE, `file://${migrationsDir}`), 'utf8'));
        logger.info({ migration: file }, "adopted the FastAPI boilerplate's existing schema");
      } else {
        await tx.exec(text);
      }
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
      return true;
    });
    if (done) applied.push(file);
  }
  if (applied.length > 0) logger.info({ migrations: applied }, 'applied database migrations');
  return applied;
}
