import type { SqlRunner } from './migrate.js';

/** The tables the original FastAPI boilerplate's models create. */
const ORIGINAL_TABLES = ['user', 'post', 'tier', 'rate_limit'];

/** The migration an existing original schema stands in for, and the file that adopts it. */
export const ADOPTED_MIGRATION = '0001_init.sql';
export const ADOPTION_FILE = 'adopt/0001_from_fastapi_boilerplate.sql';

/**
 * Whether the database already holds the original's schema, so `0001_init.sql` (which creates
 * those tables) must not run and the adoption script runs instead. All four tables, or none: a
 * database holding only some of them is neither, and starting on it is refused with their names.
 */
export async function holdsOriginalSchema(runner: SqlRunner): Promise<boolean> {
  const rows = await runner.query(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = current_schema()
        AND table_name IN (${ORIGINAL_TABLES.map((name) => `'${name}'`).join(', ')})`,
  );
  if (rows.length === 0) return false;
  if (rows.length === ORIGINAL_TABLES.length) return true;
  const found = rows.map((row) => String(row.table_name)).sort();
  throw new Error(
    `The database holds some of the FastAPI boilerplate's tables (${found.join(', ')}) but not ` +
      `all of ${ORIGINAL_TABLES.join(', ')}: neither an empty database nor the original's ` +
      'schema. See docs/examples.md, "Migrating from the original".',
  );
}
